package io.ferry.its;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.its.internal.DeviceEvent;
import io.ferry.its.internal.ItsDevice;
import io.ferry.its.internal.ItsPlugin;
import io.ferry.its.internal.ItsRegisters;
import io.ferry.machine.RunState;
import io.ferry.migration.DestinationFailedException;
import io.ferry.migration.HandlerFailedException;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.TransportKind;
import org.junit.jupiter.api.Test;

/** Tables that arrive damaged make the destination refuse the load and install nothing. */
class ItsCorruptTablesTest {
    private static final long VALID = 1L << 63;

    @Test
    void aDeviceTableEntryPointingOutsideRamFailsTheLoad() throws Exception {
        refused(
                (its, ram) -> {
                    int d = firstMapped(its).deviceId();
                    ram.writeLong(
                            its.registers().bases().deviceTable() + d * 16L + 8, ItsMigrations.RAM); // ITT address
                },
                "lies outside guest RAM of " + ItsMigrations.RAM + " bytes");
    }

    @Test
    void aCorruptIttEntryFailsTheLoad() throws Exception {
        refused(
                (its, ram) -> {
                    DeviceEvent e = firstMapped(its);
                    ram.writeLong(
                            new ItsLayout(ItsMigrations.RAM - ItsLayout.REGION_SIZE).itt(e.deviceId())
                                    + e.eventId() * 8L,
                            VALID | 5);
                },
                "pINTID 5 is not an LPI");
    }

    private static DeviceEvent firstMapped(ItsDevice its) {
        return its.translations().keySet().iterator().next();
    }

    private static void refused(TableCorrupter.Damage damage, String why) throws Exception {
        try (ItsMigrations m = new ItsMigrations("its-corrupt").warmedUp(500)) {
            MigrationOutcome out = Harness.between(m.source, m.destination)
                    .sourcePlugins(PluginRegistry.of(new RamPlugin(), new ItsPlugin(), TableCorrupter.of(damage)))
                    .destinationPlugins(PluginRegistry.of(new RamPlugin(), new ItsPlugin()))
                    .transport(TransportKind.TCP)
                    .run(ItsMigrations.TIMEOUT);

            assertThat(out.destination().failure()).get().isInstanceOfSatisfying(HandlerFailedException.class, e -> {
                assertThat(e.handlerId()).isEqualTo(ItsSection.RESTORE);
                assertThat(e.stage()).isEqualTo(Stage.LOAD_COMPLETE);
                assertThat(e).hasMessageContaining("CorruptTableException").hasMessageContaining(why);
            });
            System.out.println("destination refused the load: "
                    + out.destination().failure().orElseThrow().getMessage());
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(DestinationFailedException.class)
                    .hasMessageContaining(ItsSection.RESTORE)
                    .hasMessageContaining(why);
            assertThat(m.destinationIts.registers()).isEqualTo(ItsRegisters.RESET);
            assertThat(m.destinationIts.translations()).isEmpty();
            assertThat(m.destinationIts.isEnabled()).isFalse();
            assertThat(m.destination.runState()).isEqualTo(RunState.INMIGRATE);
            assertThat(m.source.runState()).isEqualTo(RunState.RUNNING);
        }
    }
}
