package io.ferry.vhost.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.pipeline.DeviceModel;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import io.ferry.vhost.RxDriverStatus;
import io.ferry.vhost.RxRingLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VhostNetLiveMigrationTest {
    private static final long RAM = 32L << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Never converges on its own (zero downtime limit), so exactly two passes run: pass 1 sends all RAM, pass 2 what changed. */
    private static final MigrationParameters TWO_PASSES =
            MigrationParameters.defaults().withDowntimeLimit(Duration.ZERO).withIterationCap(2);

    @Test
    void packetsArriveExactlyOnceAndInOrderAcrossALiveMigrationOverTcp() throws Exception {
        VhostNetPlugin plugin = new VhostNetPlugin();
        DeviceModel model = plugin.deviceModels().get(0);
        try (Machine source = TestMachines.runningSource("vhost-live", RAM, 11);
                Machine dest = TestMachines.destinationFor(source)) {
            VhostNetDevice src = (VhostNetDevice) model.attachToSource(source, 5);
            VhostNetDevice dst = (VhostNetDevice) model.attachToDestination(dest);
            awaitReceived(src, 200);
            SwitchoverProbe probe = new SwitchoverProbe(src.layout());
            TrafficAfterFirstPass traffic = new TrafficAfterFirstPass(src, 64);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin, probe)
                    .parameters(TWO_PASSES.withRunOnDestination(true))
                    .listenSource(traffic)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT)
                    .assertCompleted();
            long deliveredOnSource = src.delivered();

            traffic.assertHeld();
            assertThat(out.sourceFigures().iterations()).isEqualTo(2);
            assertThat(src.pagesMerged())
                    .as("pages the engine's merges of the backend's log added")
                    .isPositive();
            assertThat(probe.destination().ramDigest())
                    .as("destination RAM at switchover")
                    .isEqualTo(probe.source().ramDigest());
            assertThat(probe.destination().fingerprints())
                    .isEqualTo(probe.source().fingerprints())
                    .containsKey(VhostNetDevice.ID);
            RxDriverStatus atSwitchover = src.driverStatus();
            assertIntact(atSwitchover);

            RxDriverStatus later = awaitReceived(dst, atSwitchover.received() + 500);
            assertIntact(later);
            assertThat(dst.delivered()).isPositive();
            assertThat(dst.failure()).isEmpty();
            assertThat(src.failure()).isEmpty();
            // While the destination ran, the stopped source wrote nothing.
            assertThat(source.runState()).isEqualTo(RunState.POSTMIGRATE);
            assertThat(src.delivered()).isEqualTo(deliveredOnSource);
            assertThat(source.memory().digest()).isEqualTo(probe.source().ramDigest());
        }
    }

    @Test
    void withoutTheDirtyLogTheBackendsWritesAreMissingAndTheDestinationRefuses() throws Exception {
        VhostNetPlugin plugin = VhostNetPlugin.withoutDirtyLog();
        DeviceModel model = plugin.deviceModels().get(0);
        try (Machine source = TestMachines.runningSource("vhost-nolog", RAM, 12);
                Machine dest = TestMachines.destinationFor(source)) {
            VhostNetDevice src = (VhostNetDevice) model.attachToSource(source, 6);
            model.attachToDestination(dest);
            awaitReceived(src, 200);
            RxRingLayout layout = src.layout();
            SwitchoverProbe probe = new SwitchoverProbe(layout);
            TrafficAfterFirstPass traffic = new TrafficAfterFirstPass(src, 64);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin, probe)
                    .parameters(TWO_PASSES)
                    .listenSource(traffic)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT);

            traffic.assertHeld();
            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.destination().failure().orElseThrow().getMessage())
                    .contains("vhost-net.restart", "used ring index in guest RAM");
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            // The loss itself: the used ring page the backend rewrote after pass 1 never reached the destination.
            ByteBuffer sent = probe.source().queue();
            ByteBuffer arrived = probe.queueOf(dest);
            int usedPage = (int) (layout.usedRing() - layout.base());
            assertThat(arrived.slice(usedPage, GuestMemory.PAGE_SIZE))
                    .isNotEqualTo(sent.slice(usedPage, GuestMemory.PAGE_SIZE));
            // The source resumed with nothing lost: its driver goes on receiving every packet.
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertIntact(awaitReceived(src, src.driverStatus().received() + 200));
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    @Test
    void destinationWithTheQueueElsewhereRefusesTheStream() throws Exception {
        VhostNetPlugin plugin = new VhostNetPlugin();
        try (Machine source = TestMachines.runningSource("vhost-moved", 8L << 20, 13);
                Machine dest = TestMachines.destinationFor(source)) {
            RxRingLayout here = RxRingLayout.centeredIn(source.memory());
            RxRingLayout there = new RxRingLayout(here.base() + (1 << 20), here.queueSize(), here.bufferSize());
            VhostNetDevice src = VhostNetDevice.attachToSource(source, config(here), 7);
            VhostNetDevice.attachToDestination(dest, config(there));
            awaitReceived(src, 50);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT);

            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.destination().failure().orElseThrow().getMessage()).contains("vhost-net queue differs");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertIntact(awaitReceived(src, src.driverStatus().received() + 50));
        }
    }

    static VhostNetConfig config(RxRingLayout layout) {
        return new VhostNetConfig(
                layout, VhostNetConfig.DEFAULT_PACKETS_PER_SECOND, VhostNetConfig.DEFAULT_DRIVER_STEPS_PER_SECOND);
    }

    /** Waits until the guest driver has received at least {@code packets}; returns what it then reports. */
    static RxDriverStatus awaitReceived(VhostNetDevice device, long packets) throws InterruptedException {
        Await.until(
                Duration.ofSeconds(15),
                () -> device.driverStatus().received() >= packets,
                () -> "driver received " + packets + " packets: " + device.driverStatus() + ", " + device);
        return device.driverStatus();
    }

    /** Every packet so far arrived once, in order, with its checksum right. */
    static void assertIntact(RxDriverStatus status) {
        assertThat(status.ready()).isTrue();
        assertThat(status.errors()).as("driver errors in %s", status).isZero();
        assertThat(status.received()).as("received vs next expected sequence").isEqualTo(status.nextSeq());
    }
}
