package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
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

class CompressionTest {
    private static final long RAM = 32L << 20;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aHalfCompressibleMachineArrivesByteForByteAndCompressedPagesTakeLessWire(Compression compression)
            throws Exception {
        long uncompressed = migrate(Compression.none);
        long wire = migrate(compression);
        if (compression == Compression.none) {
            assertThat(wire).isEqualTo(uncompressed);
        } else {
            assertThat(wire).as("%s on half-zero pages", compression).isLessThan(uncompressed * 7 / 10);
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void randomPagesThatDoNotCompressGoAsTheyAre(Compression compression) throws Exception {
        try (Machine source = TestMachines.runningSource("random", RAM, 5);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.random(source.memory(), 5, 0);
            source.pause();
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(MigrationParameters.defaults().withCompression(compression))
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
            assertThat(out.sourceFigures().transferredBytes()).isGreaterThan(RAM);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"lz4", "zstd"})
    void aLiveMachineArrivesAsAtSwitchoverWithCompressedPasses(Compression compression) throws Exception {
        try (Machine source = TestMachines.runningSource("live", RAM, 2);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.halfCompressible(source.memory(), 2);
            Vcpu vcpu = source.startVcpu(
                    "vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.2), 7));
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(MigrationParameters.defaults()
                            .withCompression(compression)
                            .withMaxBandwidth(64L << 20))
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            assertThat(vcpu.steps()).isPositive();
            assertThat(out.sourceFigures().iterations()).isGreaterThanOrEqualTo(1);
            StateAssertions.assertSameState(source, dest);
        }
    }

    /** Migrates a paused half-compressible machine; returns the bytes on the wire. */
    private static long migrate(Compression compression) throws Exception {
        try (Machine source = TestMachines.runningSource("half", RAM, 3);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.halfCompressible(source.memory(), 3);
            source.pause();
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(MigrationParameters.defaults().withCompression(compression))
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
            return out.sourceFigures().transferredBytes();
        }
    }
}
