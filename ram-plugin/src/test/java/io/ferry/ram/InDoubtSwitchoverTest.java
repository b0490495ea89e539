package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameType;
import io.ferry.stream.FrameWriter;
import io.ferry.testkit.Await;
import io.ferry.testkit.Fault;
import io.ferry.testkit.FaultyChannel;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationRun;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import io.ferry.transport.DecisionPort;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TestCertificateAuthority;
import io.ferry.transport.TransportOptions;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The link cut or silenced at every point of the switchover (real TCP on loopback): each run ends
 * with exactly one running guest, by itself while the source's decision port is reachable, or with
 * an IN_DOUBT destination that the source's decision resolves to exactly one running guest.
 */
class InDoubtSwitchoverTest {
    private static final long RAM = 8L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final MigrationParameters PARAMS =
            MigrationParameters.defaults().withRunOnDestination(true).withSwitchoverTimeout(Duration.ofMillis(500));
    /** A source that gives up on the ACK fast and forgets its decision soon after (its decision port closes). */
    private static final MigrationParameters SHORT_LIVED_SOURCE =
            PARAMS.withSwitchoverTimeout(Duration.ofMillis(300)).withInDoubtTimeout(Duration.ofMillis(100));
    /** A destination that notices the silence late, and asks only briefly. */
    private static final MigrationParameters SLOW_DESTINATION =
            PARAMS.withSwitchoverTimeout(Duration.ofSeconds(3)).withInDoubtTimeout(Duration.ofMillis(500));

    @TempDir
    Path dir;

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
    void aCutLinkEndsWithExactlyOneRunningGuestWithoutTheOperator(Point point) throws Exception {
        failLinkAt(point, false);
    }

    @ParameterizedTest
    @EnumSource(Point.class)
    void aSilentLinkEndsWithExactlyOneRunningGuestWithoutTheOperator(Point point) throws Exception {
        failLinkAt(point, true);
    }

    /**
     * Channel 0 fails at the point; the source's decision port stays reachable (a link that comes
     * back): the destination asks, hears the source's decision, and runs or discards; a destination
     * that runs tells the source, whose commit is then confirmed. No operator.
     */
    private static void failLinkAt(Point point, boolean silent) throws Exception {
        try (Machine source = TestMachines.runningSource("doubt", RAM, 11);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            MigrationRun run = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(PARAMS)
                    .fault(new Fault.LinkFails(point.frame, point.afterIt, silent))
                    .start();
            Migration out = run.source();
            Migration in = run.destination();
            out.await(WAIT);
            in.await(WAIT);
            SwitchoverDecision decision = out.decision().orElseThrow();
            assertThat(decision.verdict()).isEqualTo(point.verdict);
            assertThat(decision.streamId()).isEqualTo(out.streamId().orElseThrow());
            assertThat(out.decider()).as("the source's decision port").isPresent();
            assertThat(in.decider()).as("announced before any state").isEqualTo(out.decider());
            if (point.verdict == Verdict.COMMITTED) {
                assertThat(out.status()).as("%s", out.failure()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(in.decision()).hasValue(decision);
            } else {
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            }
            assertExactlyOneGuest(source, before, dest, decision.verdict());
        }
    }

    /**
     * The destination killed with its ACK in flight (here: it cannot reach the source, so it never
     * asks and never runs): the source committed, and resumes once told the destination never ran.
     */
    @Test
    void aDestinationGoneAfterItsAckLetsTheCommittedSourceResumeWhenResolved() throws Exception {
        try (Machine source = TestMachines.runningSource("gone", RAM, 12);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            Pair run = Pair.start(
                    source, dest, PARAMS, PARAMS, new Fault.LinkFails(FrameType.COMMIT, false, false), false);
            Migration out = run.out();
            awaitEndOrDoubt(out);
            awaitEndOrDoubt(run.in());
            assertThat(out.decision().orElseThrow().verdict()).isEqualTo(Verdict.COMMITTED);
            assertThat(out.cancel()).isFalse();
            // The destination process dies here, in doubt, its machine never run: that is what the operator tells the
            // source.
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            resolve(out, new SwitchoverDecision(out.streamId().orElseThrow(), Verdict.ABORTED));
            out.await(WAIT);
            assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.decision().orElseThrow().verdict())
                    .as("the decision log follows")
                    .isEqualTo(Verdict.ABORTED);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().digest()).isEqualTo(before);
            assertThat(source.isClaimed()).isFalse();
            resolve(run.in(), out.decision().orElseThrow()); // (what a surviving destination would be told)
            run.in().await(WAIT);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    /**
     * A partition after the ACK; the destination notices it late. Meanwhile the source is IN_DOUBT and
     * the operator, taking the destination for dead, resumes the source: its decision becomes
     * ABORTED, and that is what the destination hears when it asks.
     */
    @Test
    void aSourceResolvedAbortedTellsTheDestinationThatAsksLaterAborted() throws Exception {
        try (Machine source = TestMachines.runningSource("late", RAM, 16);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            Pair run = Pair.start(
                    source, dest, PARAMS, SLOW_DESTINATION, new Fault.LinkFails(FrameType.COMMIT, false, true));
            awaitEndOrDoubt(run.out);
            assertThat(run.out.decision().orElseThrow().verdict()).isEqualTo(Verdict.COMMITTED);
            assertThat(run.in.status()).as("still waiting for COMMIT").isEqualTo(MigrationStatus.ACTIVE);
            resolve(run.out, new SwitchoverDecision(run.out.streamId().orElseThrow(), Verdict.ABORTED));
            run.out.await(WAIT);
            assertThat(run.out.decision().orElseThrow().verdict())
                    .as("the decision log follows")
                    .isEqualTo(Verdict.ABORTED);
            run.in.await(WAIT);
            assertThat(run.in.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(run.in.decision().orElseThrow().verdict()).isEqualTo(Verdict.ABORTED);
            assertExactlyOneGuest(source, before, dest, Verdict.ABORTED);
        }
    }

    /**
     * Once the source's decision port told someone asking about the stream COMMITTED, the source
     * refuses to resume on an operator's ABORTED: that destination may run the machine. The real
     * destination then asks, runs, and the source completes.
     */
    @Test
    void aSourceThatToldCommittedRefusesToResume() throws Exception {
        try (Machine source = TestMachines.runningSource("told", RAM, 17);
                Machine dest = TestMachines.destinationFor(source)) {
            Pair run = Pair.start(
                    source, dest, PARAMS, SLOW_DESTINATION, new Fault.LinkFails(FrameType.COMMIT, false, true));
            awaitEndOrDoubt(run.out);
            long stream = run.out.streamId().orElseThrow();
            assertThat(run.in.status()).as("still waiting for COMMIT").isEqualTo(MigrationStatus.ACTIVE);
            try (MigrationChannel c = Transports.connect(run.out.decider().orElseThrow(), PARAMS.transport())) {
                new FrameWriter(c.output(), 1 << 16).writeAsk(new Frame.Ask(stream));
                assertThat(new FrameReader(c.input(), 1 << 16).next())
                        .isEqualTo(new Frame.Decision(stream, Frame.Verdict.COMMITTED));
            }
            assertThatThrownBy(() -> run.out.resolve(new SwitchoverDecision(stream, Verdict.ABORTED)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("told COMMITTED");
            assertThat(run.out.status()).isEqualTo(MigrationStatus.IN_DOUBT);
            run.in.await(WAIT);
            run.out.await(WAIT);
            assertThat(run.in.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(run.out.status())
                    .as("the destination's REPORT on the decision port")
                    .isEqualTo(MigrationStatus.COMPLETED);
            assertExactlyOneGuest(source, null, dest, Verdict.COMMITTED);
        }
    }

    /**
     * A partition after END: the source gives up on the ACK, resumes, and is gone (its decision port
     * closed, as when its process ends) before the destination notices the silence: the destination
     * asks in vain for in-doubt-timeout, stays IN_DOUBT, and the operator resolves it with the
     * source's decision.
     */
    @Test
    void aDestinationWhoseSourceIsGoneStaysInDoubtForTheOperator() throws Exception {
        try (Machine source = TestMachines.runningSource("gone", RAM, 13);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            Pair run = Pair.start(
                    source, dest, SHORT_LIVED_SOURCE, SLOW_DESTINATION, new Fault.LinkFails(FrameType.END, true, true));
            run.out.await(WAIT);
            SwitchoverDecision decision = run.out.decision().orElseThrow();
            assertThat(decision.verdict()).isEqualTo(Verdict.ABORTED);
            awaitClosed(run.out.decider().orElseThrow());
            awaitEndOrDoubt(run.in);
            Await.stableFor(SLOW_DESTINATION.inDoubtTimeout().multipliedBy(3), run.in::status);
            assertThat(run.in.status()).isEqualTo(MigrationStatus.IN_DOUBT);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            resolve(run.in, decision);
            run.in.await(WAIT);
            assertThat(run.in.status()).isEqualTo(MigrationStatus.FAILED);
            assertExactlyOneGuest(source, before, dest, Verdict.ABORTED);
        }
    }

    /**
     * Over TLS, an impostor takes the gone source's decision port and answers COMMITTED: its
     * certificate (signed by the same CA) is not in the destination's tls-authz, so the handshake
     * fails, the destination never hears it and stays IN_DOUBT. The same impostor holding the
     * source's own credentials would be heard: the authorization is what keeps it out.
     */
    @Test
    void anUnauthorizedPeerAnsweringTheQuestionCannotMakeTheDestinationRun() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry test CA", 1);
        Path a = ca.issue(dir.resolve("a"), "CN=a,O=Ferry", 1);
        Path b = ca.issue(dir.resolve("b"), "CN=b,O=Ferry", 1);
        Path mallory = ca.issue(dir.resolve("m"), "CN=mallory,O=Ferry", 1);
        MigrationParameters src =
                SHORT_LIVED_SOURCE.with("tls-creds", a.toString()).with("tls-authz", "CN=b,O=Ferry");
        MigrationParameters dst =
                SLOW_DESTINATION.with("tls-creds", b.toString()).with("tls-authz", "CN=a,O=Ferry");
        TransportOptions impostor = TransportOptions.defaults().with("tls-creds", mallory.toString());
        TransportOptions thief = TransportOptions.defaults().with("tls-creds", a.toString());
        assertThat(impostorAnswers(impostor, src, dst, 14))
                .as("refused in the handshake")
                .isZero();
        assertThat(impostorAnswers(thief, src, dst, 15))
                .as("the control: the source's own key is heard")
                .isPositive();
    }

    /** Runs the gone-source case with an impostor on the decision port; returns how many answers got through. */
    private int impostorAnswers(TransportOptions impostor, MigrationParameters src, MigrationParameters dst, long seed)
            throws Exception {
        try (Machine source = TestMachines.runningSource("tls-doubt", RAM, seed);
                Machine dest = TestMachines.destinationFor(source)) {
            Pair run = Pair.start(source, dest, src, dst, new Fault.LinkFails(FrameType.END, true, true));
            run.out.await(WAIT);
            assertThat(run.out.decision().orElseThrow().verdict()).isEqualTo(Verdict.ABORTED);
            MigrationUri.Tcp port = (MigrationUri.Tcp) run.out.decider().orElseThrow();
            awaitClosed(port);
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger answered = new AtomicInteger();
            try (DecisionPort fake = DecisionPort.open(port, impostor)) {
                Thread t = new Thread(() -> answerCommitted(fake, refused, answered), "impostor");
                t.setDaemon(true);
                t.start();
                Await.until(WAIT, () -> refused.get() + answered.get() > 0, "the destination never asked the impostor");
                if (answered.get() == 0) {
                    Await.stableFor(dst.inDoubtTimeout().multipliedBy(2), run.in::status);
                    assertThat(run.in.status()).isEqualTo(MigrationStatus.IN_DOUBT);
                    assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
                    resolve(run.in, run.out.decision().orElseThrow());
                    run.in.await(WAIT);
                    assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
                } else {
                    run.in.await(WAIT);
                    assertThat(dest.runState())
                            .as("a stolen key runs the guest twice")
                            .isEqualTo(RunState.RUNNING);
                }
                assertThat(source.runState()).isEqualTo(RunState.RUNNING);
                return answered.get();
            }
        }
    }

    /** The impostor: answers every question COMMITTED, counting the connections refused in the handshake and the answers. */
    private static void answerCommitted(DecisionPort fake, AtomicInteger refused, AtomicInteger answered) {
        while (fake.isOpen()) {
            try (MigrationChannel c = fake.accept()) {
                Frame f = new FrameReader(c.input(), 1 << 16).next();
                new FrameWriter(c.output(), 1 << 16)
                        .writeDecision(new Frame.Decision(((Frame.Ask) f).streamId(), Frame.Verdict.COMMITTED));
                answered.incrementAndGet();
            } catch (IOException e) {
                if (fake.isOpen()) {
                    refused.incrementAndGet();
                }
            }
        }
    }

    /** Waits until nothing listens at {@code uri} any more (probing every 50 ms: each probe is a connection it logs). */
    private static void awaitClosed(MigrationUri uri) throws InterruptedException {
        MigrationUri.Tcp tcp = (MigrationUri.Tcp) uri;
        long[] next = {0};
        Await.until(
                WAIT,
                () -> {
                    if (System.nanoTime() < next[0]) {
                        return false;
                    }
                    next[0] = System.nanoTime() + 50_000_000L;
                    try (Socket probe = new Socket(tcp.host(), tcp.port())) {
                        return !probe.isConnected();
                    } catch (IOException e) {
                        return true;
                    }
                },
                () -> "the decision port " + uri + " still listens");
    }

    /** Source and destination with parameters of their own, over real TCP (TLS if configured), a fault on channel 0. */
    private record Pair(Migration out, Migration in) {
        static Pair start(Machine source, Machine dest, MigrationParameters src, MigrationParameters dst, Fault fault)
                throws IOException {
            return start(source, dest, src, dst, fault, true);
        }

        static Pair start(
                Machine source,
                Machine dest,
                MigrationParameters src,
                MigrationParameters dst,
                Fault fault,
                boolean sourceReachable)
                throws IOException {
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), dst.transport());
            Migration in = migrator().incoming(dest, endpoint, dst);
            MigrationChannel channel = Transports.connect(endpoint.address(), src.transport());
            Migration out = migrator().migrate(source, new FaultyChannel(channel, fault, sourceReachable), src);
            return new Pair(out, in);
        }
    }

    private static Migrator migrator() {
        return new Migrator(PluginRegistry.of(new RamPlugin()));
    }

    private static void awaitEndOrDoubt(Migration m) throws InterruptedException {
        Await.until(
                WAIT,
                () -> m.status().isTerminal() || m.status() == MigrationStatus.IN_DOUBT,
                () -> m.side() + " still " + m.status());
    }

    /** What the operator does: a decision for this stream, and nothing else, ends the doubt. */
    private static void resolve(Migration m, SwitchoverDecision decision) {
        assertThat(m.streamId()).hasValue(decision.streamId());
        assertThat(m.cancel())
                .as("in doubt: a cancel could run the guest twice or nowhere")
                .isFalse();
        assertThatThrownBy(() -> m.resolve(new SwitchoverDecision(decision.streamId() + 1, decision.verdict())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but this migration is about stream");
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
