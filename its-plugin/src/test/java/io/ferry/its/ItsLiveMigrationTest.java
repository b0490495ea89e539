package io.ferry.its;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.its.internal.DriverState;
import io.ferry.its.internal.ItsDevice;
import io.ferry.its.internal.ItsDriver;
import io.ferry.its.internal.ItsLimits;
import io.ferry.its.internal.ItsPlugin;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TransportKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItsLiveMigrationTest {
    /** Slow enough that the driver posts commands while RAM is being copied. */
    private static final long BANDWIDTH = 96L << 20;

    @Test
    void liveMigrationOverTcpKeepsEveryTranslationAndResumesTheQueue() throws Exception {
        try (ItsMigrations m = new ItsMigrations("its-live").warmedUp(1_000)) {
            long stepsAtStart = ItsMigrations.driver(m.source).steps();
            MigrationOutcome out = Harness.between(m.source, m.destination)
                    .plugins(new RamPlugin(), new ItsPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(MigrationParameters.defaults()
                            .withRunOnDestination(false)
                            .withMaxBandwidth(BANDWIDTH))
                    .run(ItsMigrations.TIMEOUT)
                    .assertCompleted();

            DriverState atSwitchover = ItsMigrations.driverState(m.source);
            assertThat(atSwitchover.steps())
                    .as("driver steps taken while migrating")
                    .isGreaterThan(stepsAtStart);
            assertThat(out.sourceFigures().iterations()).isGreaterThanOrEqualTo(1);
            StateAssertions.assertSameState(m.source, m.destination);
            assertSameTranslations(m.sourceIts, m.destinationIts);
            assertThat(m.destinationIts.registers()).isEqualTo(m.sourceIts.registers());

            m.destination.start();
            Await.until(
                    ItsMigrations.TIMEOUT,
                    () -> ItsMigrations.driver(m.destination).steps() >= 1_000,
                    "the destination driver to carry on");
            m.destination.pause();
            assertThat(ItsMigrations.driver(m.destination).failure()).isEmpty();
            DriverState after = ItsMigrations.driverState(m.destination);
            assertThat(after.steps()).isGreaterThanOrEqualTo(atSwitchover.steps() + 1_000);
            assertNothingLostOrRepeated(m.destinationIts, after);
        }
    }

    @Test
    void completeRunsTheItsFlushBeforeRamsFinalPass() throws Exception {
        try (ItsMigrations m = new ItsMigrations("its-order").warmedUp(100)) {
            MigrationOutcome out = Harness.between(m.source, m.destination)
                    .plugins(new RamPlugin(), new ItsPlugin())
                    .transport(TransportKind.TCP)
                    .run(ItsMigrations.TIMEOUT)
                    .assertCompleted();
            Pipeline source = out.source().pipeline().orElseThrow();
            String table = source.describe();
            System.out.println(table);

            assertThat(source.order(Stage.COMPLETE))
                    .containsExactly(ItsSection.FLUSH, ItsSection.REGISTERS, "ram.final");
            assertThat(table)
                    .containsPattern(
                            "COMPLETE\\n\\s+1000 BEFORE_RAM\\s+its\\.flush\\s+its\\s+no chunk\\n"
                                    + "\\s+1000 BEFORE_RAM\\s+its\\.registers\\s+its\\s+its/0 v1\\n\\s+0 RAM\\s+ram\\.final\\s+ram\\s+ram/0 v1\\n");
            List<String> loadComplete =
                    out.destination().pipeline().orElseThrow().order(Stage.LOAD_COMPLETE);
            assertThat(loadComplete).containsExactly("ram.check", ItsSection.RESTORE);
            assertThat(m.destination.runState()).isEqualTo(RunState.PAUSED);
        }
    }

    /** Every (DeviceID, EventID) the driver or the table sizes allow translates the same on both. */
    private static void assertSameTranslations(ItsDevice source, ItsDevice destination) {
        assertThat(source.translations()).hasSizeGreaterThan(20);
        assertThat(destination.translations()).isEqualTo(source.translations());
        for (int d = 0; d < ItsLayout.DEVICE_TABLE_ENTRIES; d++) {
            for (int e = 0; e < 256; e++) {
                assertThat(destination.translate(d, e))
                        .as("translation of %s:%s", d, e)
                        .isEqualTo(source.translate(d, e));
            }
        }
    }

    /**
     * Checks the destination against the model: the same driver replayed for the same number of
     * steps on a fresh machine, never migrated. Any command lost or applied twice would show in
     * the mappings or the counters; the sequence numbers must agree too.
     */
    private static void assertNothingLostOrRepeated(ItsDevice destination, DriverState after) {
        assertThat(after.commands())
                .as("commands posted")
                .isGreaterThan(ItsLayout.QUEUE_BYTES / ItsLimits.COMMAND_BYTES);
        assertThat(destination.registers().counters().processed()).isEqualTo(after.commands());
        assertThat(destination.registers().counters().msisDelivered()
                        + destination.registers().counters().msisDropped())
                .isEqualTo(after.msis());
        assertThat(destination.registers().creadr())
                .isEqualTo(destination.registers().cwriter())
                .isEqualTo((int) (after.commands() * ItsLimits.COMMAND_BYTES % ItsLayout.QUEUE_BYTES));
        try (Machine model = Machine.create("its-model", GuestMemory.of(ItsMigrations.RAM))) {
            ItsDriver replay = ItsDriver.install(model, ItsMigrations.SEED);
            for (long i = 0; i < after.steps(); i++) {
                replay.step(i);
            }
            assertThat(destination.stateFingerprint()).isEqualTo(replay.device().stateFingerprint());
            assertThat(destination.translations()).isEqualTo(replay.device().translations());
        }
    }
}
