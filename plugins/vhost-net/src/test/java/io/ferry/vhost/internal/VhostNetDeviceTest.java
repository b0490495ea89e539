package io.ferry.vhost.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.TestMachines;
import io.ferry.vhost.RxRingLayout;
import io.ferry.vhost.VhostNetSection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class VhostNetDeviceTest {
    private static final long RAM = 4L << 20;

    @Test
    void backendRunsOnlyWhileTheMachineRunsAndEndsWithIt() throws Exception {
        String worker;
        try (Machine m = TestMachines.runningSource("vhost-runstate", RAM, 1)) {
            VhostNetDevice d = VhostNetDevice.attachToSource(m, VhostNetConfig.defaultFor(m.memory()), 1);
            worker = "ferry-vhost-" + m.name() + "-" + VhostNetDevice.ID;
            VhostNetLiveMigrationTest.awaitReceived(d, 100);

            m.pause();
            String digest = m.memory().digest();
            Await.stableFor(Duration.ofMillis(200), d::delivered);
            assertThat(m.memory().digest()).as("guest RAM while paused").isEqualTo(digest);

            m.start();
            VhostNetLiveMigrationTest.assertIntact(
                    VhostNetLiveMigrationTest.awaitReceived(d, d.driverStatus().received() + 100));
            assertThat(workerAlive(worker)).isTrue();
        }
        assertThat(workerAlive(worker))
                .as("backend thread after the machine closed")
                .isFalse();
    }

    /** Issue 10: a detached device stops its own backend thread, and later run-state changes leave it alone. */
    @Test
    void detachingStopsTheBackendThread() throws Exception {
        try (Machine m = TestMachines.runningSource("vhost-detach", RAM, 4)) {
            VhostNetDevice d = VhostNetDevice.attachToSource(m, VhostNetConfig.defaultFor(m.memory()), 4);
            String worker = "ferry-vhost-" + m.name() + "-" + VhostNetDevice.ID;
            VhostNetLiveMigrationTest.awaitReceived(d, 50);
            assertThat(workerAlive(worker)).isTrue();

            m.detach(VhostNetDevice.ID);

            Await.until(Duration.ofSeconds(10), () -> !workerAlive(worker), () -> "thread " + worker + " still alive");
            long delivered = d.delivered();
            m.pause();
            m.start(); // the device no longer follows the machine: no restart, no failure
            Await.stableFor(Duration.ofMillis(100), d::delivered);
            assertThat(d.delivered()).isEqualTo(delivered);
            assertThat(workerAlive(worker)).isFalse();
            assertThat(d.failure()).isEmpty();
        }
    }

    @Test
    void destinationBackendWaitsForItsState() throws Exception {
        try (Machine m = Machine.incoming("vhost-idle", GuestMemory.of(RAM))) {
            VhostNetDevice d = VhostNetDevice.attachToDestination(m, VhostNetConfig.defaultFor(m.memory()));
            m.start(); // running without a loaded state: nothing to continue from
            Await.stableFor(Duration.ofMillis(100), d::delivered);
            assertThat(d.delivered()).isZero();
            assertThat(d.stateFingerprint()).contains("unarmed");
        }
    }

    @Test
    void theLogIsRegisteredAndTheStopRunsBeforeRamsFinalPass() {
        try (Machine m = TestMachines.runningSource("vhost-order", RAM, 2);
                Machine dest = TestMachines.destinationFor(m);
                Machine bare = TestMachines.runningSource("bare", RAM, 3)) {
            VhostNetDevice.attachToSource(m, VhostNetConfig.defaultFor(m.memory()), 2);
            VhostNetDevice.attachToDestination(dest, VhostNetConfig.defaultFor(dest.memory()));

            Pipeline source = Pipeline.assemble(Side.SOURCE, m, List.of(new RamPlugin(), new VhostNetPlugin()));
            assertThat(source.order(Stage.SETUP)).containsExactly("ram.setup");
            assertThat(source.order(Stage.DIRTY_SYNC)).containsExactly("ram.sync"); // the engine merges the log
            assertThat(source.order(Stage.COMPLETE)).containsExactly("vhost-net.stop", "ram.final");
            assertThat(source.order(Stage.CLEANUP)).containsExactly("ram.cleanup");
            assertThat(source.dirtyLogs()).extracting(l -> l.log().name()).containsExactly("vhost-order-vhost-net0");
            assertThat(source.sections()).contains(VhostNetSection.ID);

            Pipeline noLog =
                    Pipeline.assemble(Side.SOURCE, m, List.of(new RamPlugin(), VhostNetPlugin.withoutDirtyLog()));
            assertThat(noLog.dirtyLogs()).isEmpty();

            Pipeline destination =
                    Pipeline.assemble(Side.DESTINATION, dest, List.of(new RamPlugin(), new VhostNetPlugin()));
            assertThat(destination.order(Stage.LOAD_COMPLETE)).containsExactly("ram.check", "vhost-net.restart");
            assertThat(destination.loaderFor(VhostNetSection.ID)).isPresent();

            Pipeline none = Pipeline.assemble(Side.SOURCE, bare, List.of(new VhostNetPlugin()));
            assertThat(none.sections()).isEmpty();
            for (Stage s : Stage.values()) {
                if (s.side() == Side.SOURCE) {
                    assertThat(none.handlers(s))
                            .as("handlers on %s without the device", s)
                            .isEmpty();
                }
            }
        }
    }

    @Test
    void stateChunkRoundTripsAndBadChunksAreRefusedWithTheReason() {
        RxRingLayout layout = new RxRingLayout(1 << 20, 256, 2048);
        VhostNetState state =
                new VhostNetState(layout, VhostNetDevice.VIRTIO_F_VERSION_1, new RxQueueState(-3, -3, 70_000), 42);
        ByteBuffer chunk = state.encode();
        assertThat(chunk.remaining()).isEqualTo(VhostNetSection.STATE_BYTES);
        assertThat(VhostNetState.decode(chunk)).isEqualTo(state);

        assertThatThrownBy(() -> VhostNetState.decode(ByteBuffer.allocate(47)))
                .hasMessageContaining("47 bytes, expected 48");
        assertThatThrownBy(() -> VhostNetState.decode(state.encode().putInt(8, 100)))
                .hasMessageContaining("queue size must be a power of two");
        assertThatThrownBy(() -> VhostNetState.decode(state.encode().putInt(24, 5000)))
                .hasMessageContaining("further apart than the queue size");
        assertThatThrownBy(() -> VhostNetState.decode(state.encode().putLong(32, -1)))
                .hasMessageContaining("must be >= 0");
    }

    @Test
    void destinationDeviceRefusesAForeignQueueOrUnofferedFeatures() {
        try (Machine m = Machine.incoming("vhost-check", GuestMemory.of(RAM))) {
            VhostNetDevice d = VhostNetDevice.attachToDestination(m, VhostNetConfig.defaultFor(m.memory()));
            RxRingLayout ours = d.layout();
            RxQueueState q = RxQueueState.INITIAL;
            RxRingLayout smaller = new RxRingLayout(ours.base(), 128, ours.bufferSize());
            assertThatThrownBy(() -> d.checkCompatible(new VhostNetState(smaller, 0, q, 1)))
                    .hasMessageContaining("vhost-net queue differs");
            assertThatThrownBy(() -> d.checkCompatible(new VhostNetState(ours, 1L << 40, q, 1)))
                    .hasMessageContaining("features 0x10000000000");

            VhostNetDestination loader = new VhostNetDestination(d);
            assertThatThrownBy(() -> loader.complete(null)).hasMessageContaining("no vhost-net state");
            loader.load(null, new VhostNetState(ours, VhostNetDevice.VIRTIO_F_VERSION_1, q, 1).encode());
            assertThatThrownBy(() -> loader.load(null, new VhostNetState(ours, 0, q, 1).encode()))
                    .hasMessageContaining("second vhost-net state chunk");
            // Guest RAM here is empty: no driver set the queue up.
            assertThatThrownBy(() -> loader.complete(null)).hasMessageContaining("not set up in guest RAM");
        }
    }

    @Test
    void serviceLoaderFindsThePluginAndItsDeviceModel() {
        List<MigrationPlugin> found =
                PluginRegistry.fromServiceLoader(getClass().getClassLoader()).snapshot();
        MigrationPlugin vhost = found.stream()
                .filter(p -> p.name().equals("vhost-net"))
                .findFirst()
                .orElseThrow();
        assertThat(vhost.deviceModels()).extracting(m -> m.name()).containsExactly("vhost-net");
    }

    private static boolean workerAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
