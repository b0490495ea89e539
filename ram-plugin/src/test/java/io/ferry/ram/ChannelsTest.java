package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.RunState;
import io.ferry.machine.Vcpu;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.stream.StreamFormatException;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TestPlugin;
import io.ferry.testkit.TransportKind;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TestCertificateAuthority;
import io.ferry.transport.Transports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several TCP channels per migration (the {@code channels} parameter), through a proxy that counts,
 * cuts and stalls: order across channels, a channel lost or stuck, and no writer thread (one per
 * channel 1..) outliving its migration.
 */
class ChannelsTest {
    private static final long RAM = 64L << 20;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final MigrationParameters TWO =
            MigrationParameters.defaults().withRunOnDestination(false).withChannels(2);

    /**
     * Channels 1.. are written by a thread each, channel 0 by the migration thread; the same pages
     * sent again pass after pass, their batches on any channel, must arrive in their latest version.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void severalChannelsWithALiveVcpuEndWithEqualStateEachCarryingRamFromItsWriterThread(int channels)
            throws Exception {
        MigrationParameters params = TWO.withChannels(channels);
        String name = "live" + channels;
        try (Machine source = TestMachines.runningSource(name, RAM, 21);
                Machine dest = TestMachines.destinationFor(source)) {
            // A small hot set: the same pages are sent again in pass after pass, batches alternating channels.
            Vcpu vcpu = source.startVcpu(
                    "vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.02), 7));
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                    ChannelProxy proxy = new ChannelProxy(endpoint.address(), -1, Long.MAX_VALUE)) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, params);
                Migration out =
                        new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, proxy.address(), params);
                Await.until(
                        WAIT,
                        () -> writerThreads(name).size() == channels - 1
                                || out.status().isTerminal(),
                        () -> "a writer thread for each of channels 1..: " + writerThreads(name));
                Set<String> seen = writerThreads(name);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(seen)
                        .hasSize(channels - 1)
                        .allMatch(t -> t.startsWith("ferry-migrate-" + name + "-channel-"));
                assertThat(out.failure()).isEmpty();
                assertThat(in.failure()).isEmpty();
                assertThat(out.status()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(out.figures().iterations()).isGreaterThanOrEqualTo(1);
                assertThat(vcpu.steps()).isPositive();
                StateAssertions.assertSameState(source, dest);
                assertThat(out.figures().normalPages() + out.figures().zeroPages())
                        .as("pages sent again in a later pass")
                        .isGreaterThan(RAM / 4096);
                assertThat(proxy.connections()).as("one connection per channel").isEqualTo(channels);
                for (int i = 0; i < channels; i++) {
                    assertThat(proxy.forwarded(i))
                            .as("channel %s carries RAM batches", i)
                            .isGreaterThan(RAM / (2 * channels));
                }
            }
            awaitNoWriterThreads(name);
        }
    }

    @Test
    void aChannelKilledMidStreamFailsCleanlyWithTheSourceRunningAndRamUnchanged() throws Exception {
        try (Machine source = TestMachines.runningSource("cut", RAM, 22);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                    ChannelProxy proxy = new ChannelProxy(endpoint.address(), 1, 4L << 20)) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, TWO);
                Migration out = new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, proxy.address(), TWO);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(proxy.forwarded(1)).isGreaterThanOrEqualTo(4L << 20);
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            }
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
            assertThat(source.memory().digest()).isEqualTo(before);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            awaitNoWriterThreads("cut");
        }
    }

    /**
     * An intact CHUNK frame left out, repeated or moved past its segment's end on channel 1: every
     * frame's checksum holds, and END counts channel 0 only, so the destination took the stream as
     * whole (a repeated or moved chunk completed; a dropped one failed only later, as pages missing
     * at LOAD_COMPLETE, or not at all where an older copy of the pages had arrived). Each segment's
     * end on channels 1.. now carries what was written in it, and the destination refuses the
     * difference there, naming the channel and the segment; the source resumes.
     */
    @ParameterizedTest
    @EnumSource(
            value = ChannelProxy.Fault.class,
            names = {"DROP_CHUNK", "REPEAT_CHUNK", "MOVE_CHUNK"})
    void aChunkDroppedRepeatedOrMovedOnChannelOneFailsTheMigrationNamingChannelAndSegment(ChannelProxy.Fault fault)
            throws Exception {
        String name = "segment-" + fault.name().toLowerCase(java.util.Locale.ROOT);
        try (Machine source = TestMachines.runningSource(name, RAM, 26);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                    ChannelProxy proxy = new ChannelProxy(endpoint.address(), 1, 2, fault)) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, TWO);
                Migration out = new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, proxy.address(), TWO);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.FAILED);
                assertThat(in.failure().orElseThrow())
                        .hasCauseInstanceOf(StreamFormatException.class)
                        .cause()
                        .hasMessageContaining("channel 1, segment 1:");
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
            }
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
            assertThat(source.memory().digest()).isEqualTo(before);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            awaitNoWriterThreads(name);
        }
    }

    @Test
    void eachChannelIsItsOwnMutuallyAuthenticatedTlsConnection(@TempDir Path dir) throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry test CA", 1);
        Path a = ca.issue(dir.resolve("a"), "CN=a,O=Ferry", 1);
        Path b = ca.issue(dir.resolve("b"), "CN=b,O=Ferry", 1);
        MigrationParameters source = TWO.with("tls-creds", a.toString()).with("tls-authz", "CN=b,O=Ferry");
        MigrationParameters destination = TWO.with("tls-creds", b.toString())
                .with("tls-authz", "CN=a,O=Ferry")
                .with("tls-required", "true");
        try (Machine src = TestMachines.runningSource("tls2", RAM, 25);
                Machine dest = TestMachines.destinationFor(src)) {
            src.pause();
            try (IncomingEndpoint endpoint =
                    Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), destination.transport())) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, destination);
                Migration out =
                        new Migrator(PluginRegistry.of(new RamPlugin())).migrate(src, endpoint.address(), source);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(out.status()).as("%s", out.failure()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
                StateAssertions.assertSameState(src, dest);
            }
        }
    }

    @Test
    void theHarnessMigratesOverTwoChannelsPaused() throws Exception {
        try (Machine source = TestMachines.runningSource("paused2", RAM, 23);
                Machine dest = TestMachines.destinationFor(source)) {
            source.pause();
            Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(TWO)
                    .run(WAIT)
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void severalChannelsToASnapshotFileAreRefusedClearly(@TempDir Path dir) {
        try (Machine source = TestMachines.runningSource("file2", RAM, 24)) {
            Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));
            assertThatThrownBy(() -> migrator.migrate(source, new MigrationUri.File(dir.resolve("vm.ferry")), TWO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("channels 2")
                    .hasMessageContaining("several channels need a tcp: destination");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    /**
     * Channels 1.. carry nothing from END to COMMIT, while the destination runs LOAD_COMPLETE and
     * the ACK makes its round trip: their silence there is not a stalled peer. A device whose
     * state takes longer to restore than progress-timeout failed a two-channel migration (one
     * channel's reader timed out, and after the ACK that put the destination in doubt), where one
     * channel completed.
     */
    @Test
    void idleChannelsOutlastProgressTimeoutWhileTheDestinationCompletesItsLoad() throws Exception {
        MigrationParameters params = TWO.with("progress-timeout", "200");
        // A device's restore, slower than progress-timeout: work, not a wait for a condition.
        TestPlugin slowRestore = TestPlugin.named("slow-restore")
                .destination(Stage.LOAD_COMPLETE, Priority.AFTER_RAM, "slow.restore", ctx -> Thread.sleep(800));
        try (Machine source = TestMachines.runningSource("idle", RAM, 5);
                Machine dest = TestMachines.destinationFor(source);
                IncomingEndpoint endpoint =
                        Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), params.transport())) {
            source.pause();
            List<MigrationStatus> statuses = new CopyOnWriteArrayList<>();
            MigrationListener recorder = new MigrationListener() {
                @Override
                public void statusChanged(Migration migration, MigrationStatus from, MigrationStatus to) {
                    statuses.add(to);
                }
            };
            Migration in = new Migrator(PluginRegistry.of(new RamPlugin(), slowRestore))
                    .incoming(dest, endpoint, params, recorder);
            Migration out =
                    new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, endpoint.address(), params);
            out.await(WAIT);
            in.await(WAIT);
            assertThat(in.failure()).isEmpty();
            assertThat(in.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(statuses)
                    .as("the destination's statuses: COMMIT arrived on channel 0, no doubt")
                    .doesNotContain(MigrationStatus.IN_DOUBT);
            assertThat(out.status()).isEqualTo(MigrationStatus.COMPLETED);
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void cancelUnblocksAWriterStuckOnAStalledChannel() throws Exception {
        // Channel 1's third of RAM must outgrow the socket buffers between the source and the proxy.
        try (Machine source = TestMachines.runningSource("writers-stall", 4 * RAM, 33);
                Machine dest = TestMachines.destinationFor(source)) {
            source.pause();
            String before = source.memory().digest();
            MigrationParameters three = TWO.withChannels(3);
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                    ChannelProxy proxy = new ChannelProxy(endpoint.address(), 1, 2L << 20, ChannelProxy.Fault.STALL)) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, three);
                Migration out =
                        new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, proxy.address(), three);
                // Channel 1 is no longer read: its writer blocks once the socket buffers are full, and the
                // migration thread, which handed it batches without waiting, once the pool's batches are all queued.
                Await.until(
                        WAIT,
                        () -> stackOf("ferry-migrate-writers-stall-channel-1").contains("FrameWriter.write")
                                && stackOf("ferry-migrate-writers-stall").contains("RamSender.acquire"),
                        () ->
                                "channel 1's writer stuck in a write, the migration thread waiting for a free batch; channel 1"
                                        + " forwarded " + (proxy.connections() > 1 ? proxy.forwarded(1) : 0)
                                        + " bytes; migration thread:\n"
                                        + stackOf("ferry-migrate-writers-stall"));
                assertThat(out.status().isTerminal())
                        .as("stuck, not ended: %s", out.status())
                        .isFalse();
                assertThat(out.cancel()).isTrue();
                out.await(Duration.ofSeconds(20));
                assertThat(out.status()).as("%s", out.failure()).isEqualTo(MigrationStatus.CANCELLED);
                in.await(WAIT);
                assertThat(in.status()).isIn(MigrationStatus.FAILED, MigrationStatus.CANCELLED);
            }
            assertThat(source.runState()).isEqualTo(RunState.PAUSED);
            assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
            assertThat(source.memory().digest()).isEqualTo(before);
            awaitNoWriterThreads("writers-stall");
        }
    }

    /** The stack of the live thread named {@code name}, one frame a line; empty if there is none. */
    private static String stackOf(String name) {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().equals(name)) {
                for (StackTraceElement e : stack) {
                    b.append(e.getClassName())
                            .append('.')
                            .append(e.getMethodName())
                            .append('\n');
                }
            }
        });
        return b.toString();
    }

    private static Set<String> writerThreads(String machine) {
        Set<String> names = new TreeSet<>();
        String prefix = "ferry-migrate-" + machine + "-channel-";
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private static void awaitNoWriterThreads(String machine) throws InterruptedException {
        Await.until(
                Duration.ofSeconds(20),
                () -> writerThreads(machine).isEmpty(),
                () -> "writer threads left after the migration: " + writerThreads(machine));
    }
}
