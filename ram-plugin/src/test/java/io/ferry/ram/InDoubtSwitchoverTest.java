package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.stream.FrameType;
import io.ferry.testkit.Await;
import io.ferry.testkit.Fault;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationRun;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The link cut or silenced at every point of the switchover (real TCP on loopback): each run ends
 * with exactly one running guest, or with an IN_DOUBT destination that the source's decision
 * resolves to exactly one running guest.
 */
class InDoubtSwitchoverTest {
    private static final long RAM = 8L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final MigrationParameters PARAMS = MigrationParameters.defaults().withRunOnDestination(true)
            .withSwitchoverTimeout(Duration.ofMillis(500));

    /** Where the link fails, and what the source must have decided. */
    enum Point {
        BEFORE_END(FrameType.END, false, Verdict.ABORTED),
        AFTER_END(FrameType.END, true, Verdict.ABORTED),
        /** The source has read the ACK and is about to write COMMIT. */
        AFTER_ACK(FrameType.COMMIT, false, Verdict.COMMITTED),
        AFTER_COMMIT(FrameType.COMMIT, true, Verdict.COMMITTED);

        final FrameType frame;
        final boolean afterIt;
        final Verdict verdict;

        Point(FrameType frame, boolean afterIt, Verdict verdict) {
            this.frame = frame;
            this.afterIt = afterIt;
            this.verdict = verdict;
        }
    }

    @ParameterizedTest
    @EnumSource(Point.class)
    void aCutLinkEndsWithExactlyOneRunningGuest(Point point) throws Exception {
        failLinkAt(point, false);
    }

    @ParameterizedTest
    @EnumSource(Point.class)
    void aSilentLinkEndsWithExactlyOneRunningGuest(Point point) throws Exception {
        failLinkAt(point, true);
    }

    private static void failLinkAt(Point point, boolean silent) throws Exception {
        try (Machine source = TestMachines.runningSource("doubt", RAM, 11); Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            MigrationRun run = Harness.between(source, dest).plugins(new RamPlugin()).transport(TransportKind.TCP)
                    .parameters(PARAMS).fault(new Fault.LinkFails(point.frame, point.afterIt, silent)).start();
            Migration out = run.source();
            Migration in = run.destination();
            awaitEndOrDoubt(out);
            awaitEndOrDoubt(in);
            if (point == Point.AFTER_ACK) {
                assertThat(in.status()).as("acknowledged, COMMIT lost").isEqualTo(MigrationStatus.IN_DOUBT);
            }
            if (point == Point.AFTER_COMMIT || point == Point.BEFORE_END) {
                assertThat(in.status()).as("COMMIT heard, or nothing acknowledged").isNotEqualTo(MigrationStatus.IN_DOUBT);
            }
            SwitchoverDecision decision = out.decision().orElseThrow();
            assertThat(decision.verdict()).isEqualTo(point.verdict);
            assertThat(decision.streamId()).isEqualTo(out.streamId().orElseThrow());
            if (point.verdict == Verdict.COMMITTED) {
                assertThat(out.status()).as("committed, and the destination never confirmed").isEqualTo(
                        MigrationStatus.IN_DOUBT);
                assertThat(source.runState()).as("stopped while in doubt").isEqualTo(RunState.FINISH_MIGRATE);
            }
            // The operator: the destination first takes the source's decision, then the source hears how the destination ended.
            if (in.status() == MigrationStatus.IN_DOUBT) {
                resolve(in, decision);
            }
            in.await(WAIT);
            if (out.status() == MigrationStatus.IN_DOUBT) {
                resolve(out, new SwitchoverDecision(decision.streamId(), in.status() == MigrationStatus.COMPLETED
                        ? Verdict.COMMITTED : Verdict.ABORTED));
            }
            out.await(WAIT);
            assertExactlyOneGuest(source, before, dest, decision.verdict());
        }
    }

    /** The destination killed with its ACK in flight: the source committed, and resumes once told the destination never ran. */
    @org.junit.jupiter.api.Test
    void aDestinationGoneAfterItsAckLetsTheCommittedSourceResumeWhenResolved() throws Exception {
        try (Machine source = TestMachines.runningSource("gone", RAM, 12); Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            MigrationRun run = Harness.between(source, dest).plugins(new RamPlugin()).transport(TransportKind.TCP)
                    .parameters(PARAMS).fault(new Fault.LinkFails(FrameType.COMMIT, false, false)).start();
            Migration out = run.source();
            awaitEndOrDoubt(out);
            awaitEndOrDoubt(run.destination());
            assertThat(out.decision().orElseThrow().verdict()).isEqualTo(Verdict.COMMITTED);
            assertThat(out.cancel()).isFalse();
            // The destination process dies here, in doubt, its machine never run: that is what the operator tells the source.
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            resolve(out, new SwitchoverDecision(out.streamId().orElseThrow(), Verdict.ABORTED));
            out.await(WAIT);
            assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.decision().orElseThrow().verdict()).as("the decision log follows").isEqualTo(Verdict.ABORTED);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().digest()).isEqualTo(before);
            assertThat(source.isClaimed()).isFalse();
            resolve(run.destination(), out.decision().orElseThrow()); // (what a surviving destination would be told)
            run.destination().await(WAIT);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    private static void awaitEndOrDoubt(Migration m) throws InterruptedException {
        Await.until(WAIT, () -> m.status().isTerminal() || m.status() == MigrationStatus.IN_DOUBT,
                () -> m.side() + " still " + m.status());
    }

    /** What the operator does: a decision for this stream, and nothing else, ends the doubt. */
    private static void resolve(Migration m, SwitchoverDecision decision) {
        assertThat(m.streamId()).hasValue(decision.streamId());
        assertThat(m.cancel()).as("in doubt: a cancel could run the guest twice or nowhere").isFalse();
        assertThatThrownBy(() -> m.resolve(new SwitchoverDecision(decision.streamId() + 1, decision.verdict())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but this migration is about stream");
        assertThat(m.status()).isEqualTo(MigrationStatus.IN_DOUBT);
        assertThat(m.resolve(decision)).isTrue();
    }

    private static void assertExactlyOneGuest(Machine source, String before, Machine dest, Verdict verdict) {
        if (verdict == Verdict.COMMITTED) {
            assertThat(source.runState()).isEqualTo(RunState.POSTMIGRATE);
            assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
            StateAssertions.assertSameRam(source, dest);
        } else {
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().digest()).isEqualTo(before);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
        assertThat(source.isClaimed()).isFalse();
        assertThat(dest.isClaimed()).isFalse();
    }
}
