package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.Vcpu;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.Compression;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** XBZRLE through the engine: a live machine whose hot pages change a word at a time arrives as at switchover. */
class XbzrleMigrationTest {
    private static final long RAM = 32L << 20;

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aLiveMachineWithDeltasArrivesAsAtSwitchover(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("xbzrle", RAM, 6); Machine dest = TestMachines.destinationFor(source)) {
            Vcpu vcpu = source.startVcpu("vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.05), 6));
            MigrationParameters params = MigrationParameters.defaults().with("xbzrle-cache-size", "4M")
                    .withCompression(Compression.lz4).withMaxBandwidth(24L << 20).withDowntimeLimit(Duration.ofMillis(50));
            MigrationOutcome out = Harness.between(source, dest).plugins(new RamPlugin()).transport(transport)
                    .parameters(params).run(Duration.ofSeconds(60)).assertCompleted();
            assertThat(vcpu.steps()).isPositive();
            assertThat(out.sourceFigures().iterations()).isGreaterThanOrEqualTo(2);
            StateAssertions.assertSameState(source, dest);
        }
    }
}
