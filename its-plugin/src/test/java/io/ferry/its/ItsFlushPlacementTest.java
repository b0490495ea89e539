package io.ferry.its;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.internal.FlushPlacement;
import io.ferry.its.internal.ItsPlugin;
import io.ferry.its.internal.ItsRegisters;
import io.ferry.machine.RunState;
import io.ferry.migration.LateDirtyException;
import io.ferry.migration.MigrationStatus;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TransportKind;
import org.junit.jupiter.api.Test;

/** Why the flush must run where it does. */
class ItsFlushPlacementTest {
    @Test
    void aFlushAfterRamsFinalPassFailsTheMigrationNamingTheFlush() throws Exception {
        try (ItsMigrations m = new ItsMigrations("its-late").warmedUp(500)) {
            MigrationOutcome out = Harness.between(m.source, m.destination)
                    .plugins(new RamPlugin(), new ItsPlugin(FlushPlacement.at(Priority.AFTER_RAM)))
                    .transport(TransportKind.TCP)
                    .run(ItsMigrations.TIMEOUT);

            assertThat(out.source().pipeline().orElseThrow().order(Stage.COMPLETE))
                    .containsExactly(ItsSection.REGISTERS, "ram.final", ItsSection.FLUSH);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().failure()).get().isInstanceOfSatisfying(LateDirtyException.class, e -> {
                assertThat(e.handlerId()).isEqualTo(ItsSection.FLUSH);
                assertThat(e).hasMessageContaining("handler its.flush (plugin its, priority -1000) dirtied");
            });
            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(m.destinationIts.registers()).isEqualTo(ItsRegisters.RESET);
            assertThat(m.destinationIts.translations()).isEmpty();

            // The source resumes with nothing lost: its driver carries on.
            assertThat(m.source.runState()).isEqualTo(RunState.RUNNING);
            long steps = ItsMigrations.driver(m.source).steps();
            Await.until(
                    ItsMigrations.TIMEOUT,
                    () -> ItsMigrations.driver(m.source).steps() > steps + 100,
                    "the source driver to resume");
            assertThat(ItsMigrations.driver(m.source).failure()).isEmpty();
        }
    }

    @Test
    void withoutTheFlushTheDestinationsTranslationsDifferAndTheLossIsDetected() throws Exception {
        try (ItsMigrations m = new ItsMigrations("its-noflush").warmedUp(500)) {
            MigrationOutcome out = Harness.between(m.source, m.destination)
                    .plugins(new RamPlugin(), new ItsPlugin(FlushPlacement.omitted()))
                    .transport(TransportKind.TCP)
                    .run(ItsMigrations.TIMEOUT)
                    .assertCompleted();

            assertThat(out.source().pipeline().orElseThrow().order(Stage.COMPLETE))
                    .containsExactly(ItsSection.REGISTERS, "ram.final");
            // RAM and registers arrived intact; the mappings, which only a flush puts into RAM, did not.
            StateAssertions.assertSameRam(m.source, m.destination);
            assertThat(m.destinationIts.registers()).isEqualTo(m.sourceIts.registers());
            assertThat(m.sourceIts.translations()).isNotEmpty();
            assertThat(m.destinationIts.translations()).isEmpty();
            assertThatThrownBy(() -> StateAssertions.assertSameDevices(m.source, m.destination))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("device its0 state differs");
        }
    }
}
