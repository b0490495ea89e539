package com.example.counter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.testkit.Await;
import io.ferry.testkit.ClassPathPlugins;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The plugin's own suite, on the testkit: its place in the pipeline, and real migrations. */
class CounterPluginTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static MigrationPlugin[] plugins() {
        MigrationPlugin ram = ClassPathPlugins.named("ram")[0];
        return new MigrationPlugin[] {ram, new CounterPlugin()};
    }

    @Test
    void theFlushAndTheRegisterRunBeforeRamsFinalPass() {
        try (Machine source = TestMachines.runningSource("src", 8 << 20, 1)) {
            PluginRegistry.of(plugins()).deviceModel("counter").attachToSource(source, 1);

            Pipeline pipeline = Pipeline.assemble(Side.SOURCE, source, List.of(plugins()));

            List<String> complete = pipeline.order(Stage.COMPLETE);
            assertThat(complete).containsSubsequence("counter.flush", "counter.state", "ram.final");
            assertThat(pipeline.sections()).contains(CounterPlugin.SECTION);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TransportKind.class,
            names = {"MEMORY", "TCP"})
    void aRunningCounterMigratesWithItsMailboxAndItsDmaWrites(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("src", 16 << 20, 7);
                Machine destination = TestMachines.destinationFor(source)) {
            PluginRegistry registry = PluginRegistry.of(plugins());
            CounterDevice counter =
                    (CounterDevice) registry.deviceModel("counter").attachToSource(source, 7);
            registry.deviceModel("counter").attachToDestination(destination);
            Await.until(TIMEOUT, () -> counter.value() > 20, "the guest driver to ring the doorbell");
            long before = counter.value();

            Harness.between(source, destination)
                    .plugins(plugins())
                    .transport(transport)
                    .run(TIMEOUT)
                    .assertCompleted();

            assertThat(counter.value())
                    .as("doorbells (each a DMA write) during the migration")
                    .isGreaterThan(before);
            StateAssertions.assertSameState(source, destination); // the status page came through the device's log
            CounterDevice arrived = destination.device(CounterDevice.class).orElseThrow();
            assertThat(arrived.value()).isEqualTo(counter.value()).isPositive();
            assertThat(arrived.status(destination.memory().untracked())).isEqualTo(counter.value());
        }
    }

    /**
     * A source without the device sends no register: the destination's counter must not run as
     * if it had arrived (zero mailbox, zero status page and zero register agree, and it did).
     */
    @Test
    void aDestinationCounterWhoseRegisterNeverArrivesFailsTheMigration() throws Exception {
        try (Machine source = TestMachines.runningSource("src", 16 << 20, 7);
                Machine destination = TestMachines.destinationFor(source)) {
            PluginRegistry.of(plugins()).deviceModel("counter").attachToDestination(destination);
            long middle = (source.memory().size() / 2) & -GuestMemory.PAGE_SIZE; // where a counter's pages would be
            source.memory().untracked().zero(middle, 2 * GuestMemory.PAGE_SIZE); // fresh RAM there: all zero agrees

            MigrationOutcome out =
                    Harness.between(source, destination).plugins(plugins()).run(TIMEOUT);

            assertThat(out.completed()).isFalse();
            assertThat(out.destination().failure().orElseThrow())
                    .hasMessageContaining("the stream carried no counter register");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }
}
