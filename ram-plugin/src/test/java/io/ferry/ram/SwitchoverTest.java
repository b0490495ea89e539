package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.RunState;
import io.ferry.migration.Checkpoint;
import io.ferry.migration.DowntimeExceededException;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.SwitchoverBreakdown;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The switchover's checkpoints, and the downtime guard stepping back from an attempt that would break the limit. */
class SwitchoverTest {
    private static final long RAM = 16L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** A COMPLETE handler (before RAM) that sleeps in the attempts {@code overrunning} says, counting REVERT and LOAD_REVERT. */
    private static final class Overrun implements MigrationPlugin {
        private final int overrunningAttempts;
        private final long sleepMillis;
        private boolean revertible = true;
        final AtomicInteger completes = new AtomicInteger();
        final AtomicInteger reverts = new AtomicInteger();
        final AtomicInteger loadReverts = new AtomicInteger();

        Overrun(int overrunningAttempts, long sleepMillis) {
            this.overrunningAttempts = overrunningAttempts;
            this.sleepMillis = sleepMillis;
        }

        @Override
        public String name() {
            return "overrun";
        }

        @Override
        public void registerSource(Registrar r) {
            r.on(Stage.COMPLETE)
                    .id("overrun.flush")
                    .priority(Priority.BEFORE_RAM)
                    .handler(ctx -> {
                        if (completes.incrementAndGet() <= overrunningAttempts) {
                            Thread.sleep(sleepMillis); // a backend slow to quiesce: the behaviour under test
                        }
                    });
            if (revertible) {
                r.on(Stage.REVERT)
                        .id("overrun.restart")
                        .priority(Priority.BEFORE_RAM)
                        .handler(ctx -> reverts.incrementAndGet());
            }
        }

        Overrun withoutRevert() {
            revertible = false;
            return this;
        }

        @Override
        public void registerDestination(Registrar r) {
            r.on(Stage.LOAD_REVERT)
                    .id("overrun.drop")
                    .priority(Priority.BEFORE_RAM)
                    .handler(ctx -> loadReverts.incrementAndGet());
        }
    }

    private static Machine dirtyingSource(String name, long seed) {
        Machine source = TestMachines.runningSource(name, RAM, seed);
        source.startVcpu("v0", 2_000, new PageDirtier(source.memory(), new DirtyPattern.Uniform(), seed));
        return source;
    }

    private static MigrationParameters guarded(int attempts) {
        return MigrationParameters.defaults()
                .withRunOnDestination(false)
                .withDowntimeLimit(Duration.ofMillis(150))
                .withIterationCap(4)
                .withDowntimeGuard(true)
                .withSwitchoverAttempts(attempts);
    }

    @Test
    void theBreakdownCoversBothSidesFromTheStopToTheDestinationRunning() throws Exception {
        try (Machine source = dirtyingSource("breakdown", 21);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .run(WAIT)
                    .assertCompleted();
            SwitchoverBreakdown b = out.sourceFigures().switchover();
            assertThat(b.attempts()).isEqualTo(1);
            assertThat(b.endToEnd()).isTrue();
            assertThat(b.checkpoints())
                    .extracting(Checkpoint::name)
                    .containsSubsequence(
                            "stop-requested",
                            "vcpus-stopped",
                            "complete ram.final start",
                            "complete ram.final end",
                            "end-written",
                            "ack-read",
                            "commit-written");
            assertThat(b.checkpoints())
                    .filteredOn(c -> c.side() == Side.DESTINATION)
                    .extracting(Checkpoint::name)
                    .containsExactly(
                            "end-read",
                            "load-complete ram.check start",
                            "load-complete ram.check end",
                            "ack-written",
                            "commit-read",
                            "running");
            Checkpoint running = b.checkpoints().get(b.checkpoints().size() - 1);
            assertThat(running.name()).isEqualTo("running");
            assertThat(b.downtime()).isEqualTo(running.at());
            assertThat(out.sourceFigures().downtimeMillis())
                    .isEqualTo(b.downtime().toMillis());
            assertThat(b.checkpoints())
                    .filteredOn(c -> c.name().equals("complete ram.final end"))
                    .singleElement()
                    .satisfies(c -> assertThat(c.bytes()).isPositive());
            assertThat(out.sourceFigures().report()).contains("running", "downtime", "1 attempt(s)");
            assertThat(out.sourcePasses()
                            .get(out.sourcePasses().size() - 1)
                            .figures()
                            .switchover()
                            .checkpoints())
                    .as("the last pass event already carries the source's part")
                    .isNotEmpty();
        }
    }

    /** With two channels the VOID ends a segment on channel 1 too (SEGMENT), and the next attempt's END checks it. */
    @ParameterizedTest(name = "{0} channel(s)")
    @ValueSource(ints = {1, 2})
    void aCompleteHandlerThatOverrunsOnceStepsBackAndTheSecondAttemptCommitsWithTheSameState(int channels)
            throws Exception {
        Overrun overrun = new Overrun(1, 400);
        try (Machine source = dirtyingSource("step-back" + channels, 22);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), overrun)
                    .parameters(guarded(3).withChannels(channels))
                    .run(WAIT)
                    .assertCompleted();
            assertThat(out.sourceFigures().switchover().attempts()).isEqualTo(2);
            assertThat(overrun.completes).hasValue(2);
            assertThat(overrun.reverts).hasValue(1);
            assertThat(overrun.loadReverts).hasValue(1);
            assertThat(out.sourceFigures().downtimeMillis()).isLessThan(400);
            // Pages RAM's void final pass sent stay valid on the destination; the ones written after it went again.
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void aCompleteHandlerThatAlwaysOverrunsEndsAtTheAttemptBoundWithTheSourceRunning() throws Exception {
        Overrun overrun = new Overrun(Integer.MAX_VALUE, 400);
        try (Machine source = dirtyingSource("always-over", 23);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), overrun)
                    .parameters(guarded(2))
                    .run(WAIT);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(DowntimeExceededException.class)
                    .hasMessageContaining("stepped back 2 time(s)")
                    .hasMessageContaining("150 ms");
            assertThat(((DowntimeExceededException) out.source().failure().orElseThrow()).attempts())
                    .isEqualTo(2);
            assertThat(out.sourceFigures().switchover().attempts()).isEqualTo(2);
            assertThat(overrun.reverts).hasValue(2);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    /** A destination whose LOAD_COMPLETE is slow in its first attempt only, counting LOAD_REVERT. */
    private static final class SlowRestore implements MigrationPlugin {
        final AtomicInteger loads = new AtomicInteger();
        final AtomicInteger loadReverts = new AtomicInteger();

        @Override
        public String name() {
            return "slow-restore";
        }

        @Override
        public void registerDestination(Registrar r) {
            r.on(Stage.LOAD_COMPLETE)
                    .id("slow.restore")
                    .priority(Priority.AFTER_RAM)
                    .handler(ctx -> {
                        if (loads.incrementAndGet() == 1) {
                            Thread.sleep(400); // a device slow to restore: the behaviour under test
                        }
                    });
            r.on(Stage.LOAD_REVERT)
                    .id("slow.drop")
                    .priority(Priority.AFTER_RAM)
                    .handler(ctx -> loadReverts.incrementAndGet());
        }
    }

    @Test
    void aDestinationWhosePartRunsOverMakesTheSourceStepBackAfterTheAckAndNotPauseForItAgain() throws Exception {
        SlowRestore slow = new SlowRestore();
        try (Machine source = dirtyingSource("slow-dest", 26);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), slow)
                    .parameters(guarded(3))
                    .run(WAIT);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(DowntimeExceededException.class)
                    .hasMessageContaining("COMPLETE ran over its budget");
            // The first attempt reached the destination's slow part and stepped back at the ACK; the destination
            // reported what its part took, so the next attempts stepped back at once instead of pausing for it again.
            assertThat(slow.loads).hasValue(1);
            // The last VOID may race the source's ERROR and close; the first two always arrive.
            assertThat(slow.loadReverts.get()).isBetween(2, 3);
            assertThat(out.sourceFigures().switchover().attempts()).isEqualTo(3);
            assertThat(out.sourceFigures().switchover().downtime()).isLessThan(Duration.ofMillis(150));
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    @Test
    void aSnapshotHasTheSourcesCheckpointsOnly() throws Exception {
        try (Machine source = dirtyingSource("snapshot", 27);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.FILE)
                    .run(WAIT)
                    .assertCompleted();
            SwitchoverBreakdown b = out.sourceFigures().switchover();
            assertThat(b.endToEnd()).isFalse();
            assertThat(b.checkpoints()).allSatisfy(c -> assertThat(c.side()).isEqualTo(Side.SOURCE));
            assertThat(b.checkpoints()).extracting(Checkpoint::name).endsWith("end-written");
            assertThat(b.downtime())
                    .isEqualTo(b.checkpoints().get(b.checkpoints().size() - 1).at());
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void aPluginThatCannotUndoItsCompleteKeepsTheGuardOffAndTheAttemptGoesThrough() throws Exception {
        Overrun overrun = new Overrun(1, 400).withoutRevert();
        try (Machine source = dirtyingSource("no-revert", 25);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), overrun)
                    .parameters(guarded(3))
                    .run(WAIT)
                    .assertCompleted();
            assertThat(out.sourceFigures().switchover().attempts()).isEqualTo(1);
            assertThat(overrun.loadReverts).hasValue(0);
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void withoutTheGuardTheSameOverrunCompletesOverTheLimit() throws Exception {
        Overrun overrun = new Overrun(1, 400);
        try (Machine source = dirtyingSource("unguarded", 24);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), overrun)
                    .parameters(guarded(3).withDowntimeGuard(false))
                    .run(WAIT)
                    .assertCompleted();
            assertThat(out.sourceFigures().switchover().attempts()).isEqualTo(1);
            assertThat(out.sourceFigures().downtimeMillis()).isGreaterThanOrEqualTo(400);
            assertThat(overrun.reverts).hasValue(0);
            StateAssertions.assertSameState(source, dest);
        }
    }
}
