package io.ferry.its;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.its.internal.ItsDevice;
import io.ferry.its.internal.ItsPlugin;
import io.ferry.machine.RunState;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestPlugin;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A switchover that steps back (downtime-guard) after the destination has restored the ITS: an
 * attempt (the first, unless a loaded machine stepped back earlier) is voided after the destination's LOAD_COMPLETE ({@code its.restore}) made the
 * destination's ITS enabled with that attempt's registers and mappings. LOAD_REVERT
 * ({@code its.discard}) only forgets the register chunk; the device keeps the void attempt's state
 * until the next attempt's {@code its.restore} replaces it. This shows that is enough: nothing
 * touches the destination's ITS in between (its driver vCPU does not run before COMMIT), and the
 * next restore replaces registers and mappings whole, even though the guest changed them after the
 * resume, so the destination ends exactly as the source stopped.
 */
class ItsStepBackTest {
    private static final Duration LIMIT = Duration.ofMillis(1_200);
    /**
     * How much COMPLETE and the destination's first LOAD_COMPLETE overrun: together past {@link
     * #LIMIT}, so the guard sees the ACK at least 1200 ms after the stop and voids that attempt
     * after the destination restored its ITS. These sleeps are the stimulus (a slow attempt), not a
     * wait for anything; elapsed time can only be longer. Each alone leaves half the limit for the
     * rest of the work on a loaded machine: the source's stays under COMPLETE's budget (the limit,
     * before the destination has taught it anything), so the attempt reaches END; the
     * destination's leaves the next attempts, whose budget makes room for the destination's part
     * as the void one taught it, time to commit. The source overruns every COMPLETE until the
     * destination has run a LOAD_COMPLETE, in case a loaded machine still steps back during one.
     */
    private static final long SOURCE_OVERRUN_MS = 600;

    private static final long DESTINATION_OVERRUN_MS = 600;
    /** Commands the guest must post after the resume, so the attempt that commits differs from the void one. */
    private static final long COMMANDS_AFTER_RESUME = 100;

    @Test
    void aStepBackAfterTheDestinationRestoredTheItsEndsWithTheSourcesState() throws Exception {
        try (ItsMigrations m = new ItsMigrations("its-back").warmedUp(1_000)) {
            ItsDevice src = m.sourceIts;
            ItsDevice dst = m.destinationIts;
            List<String> sourceAtComplete = new CopyOnWriteArrayList<>(); // per attempt that reached its.registers
            List<String> destinationEvents = new CopyOnWriteArrayList<>(); // "restored", "reverted", "next"
            List<String> destinationRestored = new CopyOnWriteArrayList<>(); // after its.restore, per attempt
            List<String> destinationAtRevert = new CopyOnWriteArrayList<>();
            List<String> destinationBeforeRestore = new CopyOnWriteArrayList<>();
            AtomicLong processedAtVoid = new AtomicLong();
            AtomicBoolean resumed = new AtomicBoolean();

            MigrationPlugin slowFirstAttempt = TestPlugin.named("slow")
                    // After its.flush and its.registers (BEFORE_RAM), before ram.final: the source is stopped.
                    .source(Stage.COMPLETE, Priority.BEFORE_RAM - 10, "slow.complete", ctx -> {
                        sourceAtComplete.add(src.stateFingerprint());
                        if (destinationRestored.isEmpty()) {
                            Thread.sleep(SOURCE_OVERRUN_MS);
                        }
                    })
                    .source(Stage.REVERT, Priority.BEFORE_RAM, "slow.revert", ctx -> {
                        processedAtVoid.set(src.registers().counters().processed());
                        resumed.set(true);
                    })
                    // The first pass after each resume waits (bounded) until the guest has changed the ITS, so
                    // the state a later attempt carries is not the void attempt's.
                    .source(Stage.DIRTY_SYNC, Priority.BEFORE_RAM, "slow.guest", ctx -> {
                        if (resumed.compareAndSet(true, false)) {
                            long at = processedAtVoid.get();
                            Await.until(
                                    ItsMigrations.TIMEOUT,
                                    () -> src.registers().counters().processed() >= at + COMMANDS_AFTER_RESUME,
                                    "the source's guest to post commands after the step-back");
                        }
                    })
                    // First in LOAD_COMPLETE: what the device holds before this attempt's its.restore.
                    .destination(Stage.LOAD_COMPLETE, Priority.BEFORE_RAM + 10, "slow.before", ctx -> {
                        if (!destinationEvents.isEmpty()) {
                            destinationEvents.add("next");
                            destinationBeforeRestore.add(dst.stateFingerprint());
                        }
                    })
                    // After its.restore (AFTER_RAM): the device holds this attempt's state.
                    .destination(Stage.LOAD_COMPLETE, Priority.AFTER_RAM - 10, "slow.load-complete", ctx -> {
                        destinationEvents.add("restored");
                        destinationRestored.add(dst.stateFingerprint());
                        if (destinationRestored.size() == 1) {
                            Thread.sleep(DESTINATION_OVERRUN_MS);
                        }
                    })
                    .registering(
                            Side.DESTINATION,
                            r -> r.on(Stage.LOAD_REVERT)
                                    .id("slow.load-revert")
                                    .priority(Integer.MIN_VALUE) // after its.discard
                                    .handler(ctx -> {
                                        if (destinationEvents.isEmpty()) {
                                            return; // voided during COMPLETE: this side had restored nothing
                                        }
                                        destinationEvents.add("reverted");
                                        destinationAtRevert.add(dst.stateFingerprint());
                                    }));
            MigrationParameters guarded = MigrationParameters.defaults()
                    .withRunOnDestination(false)
                    .withDowntimeLimit(LIMIT)
                    .withIterationCap(4)
                    .withDowntimeGuard(true)
                    .withSwitchoverAttempts(5);

            MigrationOutcome out = Harness.between(m.source, m.destination)
                    .plugins(new RamPlugin(), new ItsPlugin(), slowFirstAttempt)
                    .parameters(guarded)
                    .transport(TransportKind.TCP)
                    .run(ItsMigrations.TIMEOUT)
                    .assertCompleted();

            // The destination's first LOAD_COMPLETE is followed by VOID (the ACK came too late): it restored its
            // ITS, then heard the attempt was void. A loaded machine may step back more often on its own.
            int attempts = out.sourceFigures().switchover().attempts();
            assertThat(attempts).as("attempts").isGreaterThanOrEqualTo(2);
            assertThat(destinationEvents).as("destination events").startsWith("restored", "reverted");
            assertThat(destinationEvents).last().isEqualTo("restored");
            // The void attempt restored the ITS as the source had it then (enabled, with its mappings)...
            String voided = destinationRestored.get(0);
            assertThat(voided)
                    .as("the destination's ITS after the void attempt's its.restore")
                    .contains("enabled");
            assertThat(sourceAtComplete).contains(voided);
            // ...LOAD_REVERT left it so (it only forgets the registers chunk), and nothing changed it until the next
            // attempt's LOAD_COMPLETE: the device is inert while the destination does not run.
            assertThat(destinationAtRevert.get(0)).isEqualTo(voided);
            assertThat(destinationBeforeRestore.get(0)).isEqualTo(voided);
            // The guest changed the ITS after the resume, so the committing attempt's state is another one...
            String committed = sourceAtComplete.get(sourceAtComplete.size() - 1);
            assertThat(committed).isNotEqualTo(voided);
            assertThat(src.stateFingerprint()).isEqualTo(committed); // the source stays stopped after the commit
            // ...and the destination holds it, not the void attempt's: registers, mappings, translations.
            assertThat(dst.stateFingerprint()).isEqualTo(src.stateFingerprint());
            assertThat(dst.registers()).isEqualTo(src.registers());
            assertThat(dst.translations()).isEqualTo(src.translations());
            // The tables in guest RAM and the driver page too: the whole RAM and every device are the same.
            StateAssertions.assertSameState(m.source, m.destination);
            assertThat(m.source.runState()).isEqualTo(RunState.POSTMIGRATE);
            assertThat(m.destination.runState()).isEqualTo(RunState.PAUSED);
        }
    }
}
