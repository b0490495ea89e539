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
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TestPlugin;
import io.ferry.testkit.TransportKind;
import io.ferry.vhost.RxDriverStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A switchover that steps back (downtime-guard) with vhost-net attached: the backend restarts with
 * the machine, its registered log keeps recording, RAM is unsealed, and the second attempt carries
 * everything the backend wrote in between; the destination forgets the void attempt's state.
 * The first test steps back during COMPLETE (the destination never armed its backend); the second
 * after the destination's LOAD_COMPLETE armed it.
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
            MigrationOutcome out =
                    guardedRun(source, dest, Duration.ofMillis(300), new RamPlugin(), plugin, slow, probe);

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

    /**
     * An attempt steps back after the destination's LOAD_COMPLETE ({@code vhost-net.restart})
     * armed its backend at that attempt's indices. LOAD_REVERT ({@code vhost-net.discard}) leaves it
     * armed; this shows that is safe: the backend runs only while the machine runs, which the
     * destination's does not before COMMIT, so it writes no guest RAM while the following passes
     * load (a packet written then could land on a page the source never sends again), and the next
     * attempt's restart re-arms it at the indices the source stopped at last.
     */
    @Test
    void aStepBackAfterTheDestinationArmedTheBackendLeavesItIdleUntilTheCommit() throws Exception {
        // Together past the limit, each leaving half of it for the rest (as in ItsStepBackTest): the ACK comes
        // late, so the attempt is voided after the destination's LOAD_COMPLETE, and the next attempts can commit.
        // The sleeps are the stimulus (a slow attempt), not a wait for anything. The source overruns every
        // COMPLETE until the destination has armed its backend once, in case a loaded machine steps back earlier.
        Duration limit = Duration.ofMillis(1_200);
        long sourceOverrunMs = 600;
        long destinationOverrunMs = 600;
        VhostNetPlugin plugin = new VhostNetPlugin();
        DeviceModel model = plugin.deviceModels().get(0);
        try (Machine source = TestMachines.runningSource("vhost-back-armed", RAM, 15);
                Machine dest = TestMachines.destinationFor(source)) {
            VhostNetDevice src = (VhostNetDevice) model.attachToSource(source, 9);
            VhostNetDevice dst = (VhostNetDevice) model.attachToDestination(dest);
            awaitReceived(src, 200);
            SwitchoverProbe probe = new SwitchoverProbe(src.layout());
            List<String> sourceAtComplete = new CopyOnWriteArrayList<>(); // after vhost-net.stop, per attempt
            List<String> destinationEvents = new CopyOnWriteArrayList<>(); // "armed", "reverted", "next"
            List<String> destinationArmed = new CopyOnWriteArrayList<>(); // after vhost-net.restart
            List<String> destinationAtRevert = new CopyOnWriteArrayList<>();
            List<String> destinationBeforeRestart = new CopyOnWriteArrayList<>();
            List<Long> deliveredOnDestination = new CopyOnWriteArrayList<>(); // at LOAD_REVERT and each next attempt
            AtomicLong deliveredAtVoid = new AtomicLong();
            AtomicBoolean resumed = new AtomicBoolean();
            MigrationPlugin slowFirstAttempt = TestPlugin.named("slow")
                    .source(Stage.COMPLETE, Priority.BEFORE_RAM - 10, "slow.complete", ctx -> {
                        sourceAtComplete.add(src.stateFingerprint());
                        if (destinationArmed.isEmpty()) {
                            Thread.sleep(sourceOverrunMs);
                        }
                    })
                    .source(Stage.REVERT, Priority.BEFORE_RAM, "slow.revert", ctx -> {
                        deliveredAtVoid.set(src.delivered());
                        resumed.set(true);
                    })
                    // The first pass after each resume waits (bounded) for the restarted source backend to deliver
                    // more packets, so a later attempt's indices are not the void attempt's.
                    .source(Stage.DIRTY_SYNC, Priority.BEFORE_RAM, "slow.backend", ctx -> {
                        if (resumed.compareAndSet(true, false)) {
                            long at = deliveredAtVoid.get();
                            Await.until(
                                    TIMEOUT,
                                    () -> src.delivered() >= at + 50,
                                    "the source backend to deliver packets after the step-back");
                        }
                    })
                    .destination(Stage.LOAD_COMPLETE, Priority.BEFORE_RAM + 10, "slow.before", ctx -> {
                        if (!destinationEvents.isEmpty()) {
                            destinationEvents.add("next");
                            destinationBeforeRestart.add(dst.stateFingerprint());
                            deliveredOnDestination.add(dst.delivered());
                        }
                    })
                    .destination(Stage.LOAD_COMPLETE, Priority.AFTER_RAM - 10, "slow.load-complete", ctx -> {
                        destinationEvents.add("armed");
                        destinationArmed.add(dst.stateFingerprint());
                        if (destinationArmed.size() == 1) {
                            Thread.sleep(destinationOverrunMs);
                        }
                    })
                    .registering(
                            Side.DESTINATION,
                            r -> r.on(Stage.LOAD_REVERT)
                                    .id("slow.load-revert")
                                    .priority(Integer.MIN_VALUE) // after vhost-net.discard
                                    .handler(ctx -> {
                                        if (destinationEvents.isEmpty()) {
                                            return; // voided during COMPLETE: this side had restored nothing
                                        }
                                        destinationEvents.add("reverted");
                                        destinationAtRevert.add(dst.stateFingerprint());
                                        deliveredOnDestination.add(dst.delivered());
                                    }));
            MigrationOutcome out = guardedRun(source, dest, limit, new RamPlugin(), plugin, slowFirstAttempt, probe);

            assertThat(out.sourceFigures().switchover().attempts()).isGreaterThanOrEqualTo(2);
            // Voided after the destination armed its backend (the ACK came too late), not during COMPLETE.
            assertThat(destinationEvents).as("destination events").startsWith("armed", "reverted");
            assertThat(destinationEvents).last().isEqualTo("armed");
            String voided = destinationArmed.get(0);
            assertThat(voided)
                    .as("the destination's device after the void attempt's vhost-net.restart")
                    .doesNotContain("unarmed");
            assertThat(sourceAtComplete).contains(voided);
            // Armed, yet idle from the VOID to the next restart: it delivered nothing and its indices did not move.
            assertThat(deliveredOnDestination)
                    .as("packets the destination delivered before the commit")
                    .containsOnly(0L);
            assertThat(destinationAtRevert.get(0)).isEqualTo(voided);
            assertThat(destinationBeforeRestart.get(0)).isEqualTo(voided);
            // The committing attempt carried other indices, and the destination took those.
            String committed = sourceAtComplete.get(sourceAtComplete.size() - 1);
            assertThat(committed).isNotEqualTo(voided);
            assertThat(destinationArmed.get(destinationArmed.size() - 1)).isEqualTo(committed);
            assertThat(probe.destination().ramDigest()).isEqualTo(probe.source().ramDigest());
            assertThat(probe.destination().fingerprints())
                    .isEqualTo(probe.source().fingerprints());
            RxDriverStatus atSwitchover = src.driverStatus();
            assertIntact(atSwitchover);
            assertIntact(awaitReceived(dst, atSwitchover.received() + 300));
            assertThat(dst.failure()).isEmpty();
        }
    }

    /** A TCP migration with the downtime guard on, up to 5 attempts and 4 passes each; it must complete. */
    private static MigrationOutcome guardedRun(Machine source, Machine dest, Duration limit, MigrationPlugin... plugins)
            throws Exception {
        MigrationParameters guarded = MigrationParameters.defaults()
                .withDowntimeLimit(limit)
                .withIterationCap(4)
                .withDowntimeGuard(true)
                .withSwitchoverAttempts(5);
        return Harness.between(source, dest)
                .plugins(plugins)
                .parameters(guarded)
                .transport(TransportKind.TCP)
                .run(TIMEOUT)
                .assertCompleted();
    }
}
