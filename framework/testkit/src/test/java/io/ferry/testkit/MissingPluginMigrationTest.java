package io.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationStatus;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MissingPluginException;
import io.ferry.pipeline.PluginRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A whole migration of a machine whose device's plugin has left: it fails, typed, and the source runs on. */
class MissingPluginMigrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A device that needs nothing migrated but whose plugin must be there. */
    private static final DeviceModel PROBE = new DeviceModel() {
        @Override
        public String name() {
            return "probe";
        }

        @Override
        public Device attachToSource(Machine m, long seed) {
            return attach(m);
        }

        @Override
        public Device attachToDestination(Machine m) {
            return attach(m);
        }

        private Device attach(Machine m) {
            Device d = new Device() {
                @Override
                public String id() {
                    return "probe0";
                }

                @Override
                public String stateFingerprint() {
                    return "-";
                }
            };
            m.attach(d);
            return d;
        }
    };

    @Test
    void theMigrationFailsWithAMissingPluginCauseAndTheSourceKeepsRunning() throws Exception {
        TestPlugin probe = TestPlugin.named("probe").device(PROBE);
        try (Machine source = TestMachines.runningSource("src", 1 << 20, 3);
                Machine destination = Machine.incoming("dst", GuestMemory.of(1 << 20))) {
            PluginRegistry.of(probe).deviceModel("probe").attachToSource(source, 3);

            MigrationRun run = Harness.between(source, destination)
                    .plugins(TestPlugin.named("other"))
                    .transport(TransportKind.MEMORY)
                    .start();
            Migration out = run.source();
            out.await(TIMEOUT); // only the source: how the destination learns of it is the engine's (switchover issue)
            run.destination().cancel();

            assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.failure())
                    .hasValueSatisfying(f -> assertThat(f)
                            .hasRootCauseInstanceOf(MissingPluginException.class)
                            .hasMessageContaining("'probe'"));
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }
}
