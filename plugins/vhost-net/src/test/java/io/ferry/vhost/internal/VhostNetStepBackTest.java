package io.ferry.vhost.internal;

import static io.ferry.vhost.internal.VhostNetLiveMigrationTest.assertIntact;
import static io.ferry.vhost.internal.VhostNetLiveMigrationTest.awaitReceived;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.Machine;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import io.ferry.vhost.RxDriverStatus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A switchover that steps back (downtime-guard) with vhost-net attached: the backend restarts with
 * the machine, its registered log keeps recording, RAM is unsealed, and the second attempt carries
 * everything the backend wrote in between; the destination forgets the void attempt's state.
 */
class VhostNetStepBackTest {
    private static final long RAM = 32L << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Sleeps past the COMPLETE budget in the first attempt only, after vhost-net.stop has emitted its state. */
    private static final class SlowFirstAttempt implements MigrationPlugin {
        final AtomicInteger completes = new AtomicInteger();

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public void registerSource(Registrar r) {
            r.on(Stage.COMPLETE)
                    .id("slow.flush")
                    .priority(Priority.BEFORE_RAM - 10)
                    .handler(ctx -> {
                        if (completes.incrementAndGet() == 1) {
                            Thread.sleep(700); // past any COMPLETE budget under a 300 ms limit
                        }
                    });
            r.on(Stage.REVERT).id("slow.revert").priority(Priority.BEFORE_RAM).handler(ctx -> {});
        }
    }

    @Test
    void aSteppedBackAttemptLosesNoPacketAndTheSecondCommits() throws Exception {
        VhostNetPlugin plugin = new VhostNetPlugin();
        DeviceModel model = plugin.deviceModels().get(0);
        try (Machine source = TestMachines.runningSource("vhost-back", RAM, 14);
                Machine dest = TestMachines.destinationFor(source)) {
            VhostNetDevice src = (VhostNetDevice) model.attachToSource(source, 8);
            VhostNetDevice dst = (VhostNetDevice) model.attachToDestination(dest);
            awaitReceived(src, 200);
            SwitchoverProbe probe = new SwitchoverProbe(src.layout());
            SlowFirstAttempt slow = new SlowFirstAttempt();
            MigrationParameters guarded = MigrationParameters.defaults()
                    .withDowntimeLimit(Duration.ofMillis(300))
                    .withIterationCap(4)
                    .withDowntimeGuard(true)
                    .withSwitchoverAttempts(5);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin, slow, probe)
                    .parameters(guarded)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT)
                    .assertCompleted();

            // The first attempt always steps back; a loaded machine may step back once more on its own.
            int attempts = out.sourceFigures().switchover().attempts();
            assertThat(attempts).isGreaterThanOrEqualTo(2);
            assertThat(slow.completes).hasValue(attempts);
            assertThat(probe.destination().ramDigest()).isEqualTo(probe.source().ramDigest());
            assertThat(probe.destination().fingerprints())
                    .isEqualTo(probe.source().fingerprints());
            RxDriverStatus atSwitchover = src.driverStatus();
            assertIntact(atSwitchover);
            assertIntact(awaitReceived(dst, atSwitchover.received() + 300));
            assertThat(dst.failure()).isEmpty();
            assertThat(source.memory().isSealed()).isFalse();
        }
    }
}
