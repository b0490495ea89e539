package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.PageDirtier;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.PassProgress;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bandwidth limit, convergence and the iteration cap. */
class ConvergenceTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void maxBandwidthIsRespectedWithinTenPercentOverAFewSeconds() throws Exception {
        long ram = 48L << 20;
        long limit = 16L << 20;
        try (Machine source = TestMachines.runningSource("bw", ram, 1);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.random(source.memory(), 1, 0); // no zero pages: every page is 4 KiB on the wire
            source.pause();
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .parameters(MigrationParameters.defaults()
                            .withRunOnDestination(false)
                            .withMaxBandwidth(limit))
                    .run(WAIT)
                    .assertCompleted();
            MigrationFigures f = out.sourceFigures();
            double rate = f.transferredBytes() / (f.totalMillis() / 1000.0);
            assertThat(f.totalMillis()).isGreaterThan(2500); // a run of a few seconds
            assertThat(rate / limit).isCloseTo(1.0, within(0.10));
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void aWorkloadThatOutrunsTheBandwidthEndsAtTheIterationCapWithCorrectState() throws Exception {
        long ram = 16L << 20;
        try (Machine source = TestMachines.runningSource("cap", ram, 2);
                Machine dest = TestMachines.destinationFor(source)) {
            // ~40 MB/s of dirtying against 8 MiB/s of bandwidth never converges to 50 ms
            source.startVcpu("v0", 10_000, new PageDirtier(source.memory(), new DirtyPattern.Uniform(), 2));
            MigrationParameters params = MigrationParameters.defaults()
                    .withRunOnDestination(false)
                    .withMaxBandwidth(8L << 20)
                    .withDowntimeLimit(Duration.ofMillis(50))
                    .withIterationCap(3);
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .parameters(params)
                    .run(WAIT)
                    .assertCompleted();
            assertThat(out.sourceFigures().iterations()).isEqualTo(3);
            assertThat(out.sourcePasses()).extracting(PassProgress::pass).containsExactly(0, 1, 2, 3, 4);
            assertThat(out.sourcePasses().get(3).figures().expectedDowntimeMillis())
                    .isGreaterThan(50);
            assertThat(out.sourcePasses().get(1).figures().dirtyPagesRate()).isGreaterThan(1000);
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void aQuietMachineConvergesAfterOnePassWithEveryPageAccounted() throws Exception {
        long ram = 16L << 20;
        try (Machine source = TestMachines.runningSource("quiet", ram, 3);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .run(WAIT)
                    .assertCompleted();
            MigrationFigures f = out.sourceFigures();
            assertThat(f.iterations()).isEqualTo(1);
            assertThat(f.normalPages() + f.zeroPages()).isEqualTo(ram / 4096);
            assertThat(f.transferredBytes()).isBetween(f.normalPages() * 4096, f.normalPages() * 4096 + (1 << 20));
            assertThat(f.remainingBytes()).isZero();
            assertThat(out.destinationFigures().normalPages()).isEqualTo(f.normalPages());
            assertThat(out.sourcePasses().get(1).sectionBytes()).containsKey("ram");
        }
    }
}
