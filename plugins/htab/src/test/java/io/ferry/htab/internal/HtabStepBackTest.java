package io.ferry.htab.internal;

import static io.ferry.htab.internal.HtabLiveMigrationTest.awaitUpdates;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.htab.HtabGeometry;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TestPlugin;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A switchover that steps back (downtime-guard) with an htab attached: htab declares it can (REVERT),
 * so the guard stays on; the table keeps changing after the resume, and the attempt that commits
 * carries every group changed since the void one.
 */
class HtabStepBackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Sleeps past the COMPLETE budget in the first attempt only, after htab.final has sent the table. */
    private static MigrationPlugin slowFirstAttempt(AtomicInteger completes) {
        return TestPlugin.named("slow")
                .source(Stage.COMPLETE, HtabPlugin.PRIORITY - 10, "slow.flush", ctx -> {
                    if (completes.incrementAndGet() == 1) {
                        Thread.sleep(700); // past any COMPLETE budget under a 300 ms limit
                    }
                })
                .source(Stage.REVERT, Priority.BEFORE_RAM, "slow.revert", ctx -> {});
    }

    @Test
    void aSteppedBackAttemptLosesNoTableUpdateAndTheSecondCommits() throws Exception {
        HtabPlugin plugin = new HtabPlugin();
        HtabConfig config = new HtabConfig(new HtabGeometry(4L << 20), 2_000);
        try (Machine source = TestMachines.runningSource("htab-back", 16L << 20, 31);
                Machine dest = TestMachines.destinationFor(source)) {
            HtabDevice src = HtabDevice.attachToSource(source, config, 31);
            HtabDevice.attachToDestination(dest, config);
            awaitUpdates(src, 100);
            AtomicInteger completes = new AtomicInteger();
            MigrationParameters guarded = MigrationParameters.defaults()
                    .withRunOnDestination(false)
                    .withDowntimeLimit(Duration.ofMillis(300))
                    .withIterationCap(4)
                    .withDowntimeGuard(true)
                    .withSwitchoverAttempts(5);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin, slowFirstAttempt(completes))
                    .parameters(guarded)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT)
                    .assertCompleted();

            // The first attempt always steps back; a loaded machine may step back once more on its own.
            int attempts = out.sourceFigures().switchover().attempts();
            assertThat(attempts)
                    .as("attempts (the guard is on with htab attached)")
                    .isGreaterThanOrEqualTo(2);
            assertThat(completes).hasValue(attempts);
            StateAssertions.assertSameState(source, dest);
            assertThat(source.runState()).isEqualTo(RunState.POSTMIGRATE);
        }
    }
}
