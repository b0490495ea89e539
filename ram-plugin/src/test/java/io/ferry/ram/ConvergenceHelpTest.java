package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.Vcpu;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Throttling;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A guest dirtying faster than the link (about 80 MB/s of page writes against a 32 MiB/s link)
 * never converges on its own and ends at the iteration cap; with auto-converge or with
 * dirty-limit it converges. Each run prints its figures (taken on whatever load the machine has).
 */
class ConvergenceHelpTest {
    private static final long RAM = 16L << 20;
    private static final long LINK = 32L << 20;
    private static final int CAP = 20;
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static MigrationOutcome migrate(String name, Throttling throttling) throws Exception {
        try (Machine source = TestMachines.runningSource(name, RAM, 31);
                Machine dest = TestMachines.destinationFor(source)) {
            Vcpu vcpu = source.startVcpu("v0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.Uniform(), 5));
            MigrationParameters params = MigrationParameters.defaults()
                    .withRunOnDestination(false)
                    .withMaxBandwidth(LINK)
                    .withIterationCap(CAP)
                    .withThrottling(throttling);
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .parameters(params)
                    .run(WAIT)
                    .assertCompleted();
            MigrationFigures f = out.sourceFigures();
            long lastRate = out.sourcePasses().get(f.iterations()).figures().dirtyPagesRate();
            System.out.printf(
                    Locale.ROOT,
                    "%-14s iterations %2d/%d  total %5d ms  downtime %4d ms  expected %4d ms"
                            + "  cpu-throttle %2d%%  dirty rate in the last pass %5d pages/s  transferred %d MiB%n",
                    name,
                    f.iterations(),
                    CAP,
                    f.totalMillis(),
                    f.downtimeMillis(),
                    f.expectedDowntimeMillis(),
                    f.cpuThrottlePercent(),
                    lastRate,
                    f.transferredBytes() >> 20);
            // Lifted when the migration ends, whatever the outcome.
            assertThat(vcpu.throttlePercent()).isZero();
            assertThat(vcpu.dirtyLimit()).isZero();
            StateAssertions.assertSameState(source, dest);
            return out;
        }
    }

    @Test
    void withoutHelpTheWorkloadEndsAtTheIterationCap() throws Exception {
        MigrationFigures f = migrate("no-help", Throttling.defaults()).sourceFigures();
        assertThat(f.iterations()).isEqualTo(CAP);
        assertThat(f.cpuThrottlePercent()).isZero();
    }

    @Test
    void autoConvergeThrottlesTheVcpuInStepsUntilItConverges() throws Exception {
        MigrationOutcome out = migrate(
                "auto-converge", Throttling.defaults().withAutoConverge(true).withSteps(40, 20, 99));
        MigrationFigures f = out.sourceFigures();
        assertThat(f.iterations()).isLessThan(CAP);
        assertThat(f.cpuThrottlePercent()).isBetween(40, 99);
        // The throttle went up in steps, pass by pass.
        assertThat(out.sourcePasses())
                .extracting(p -> p.figures().cpuThrottlePercent())
                .isSorted()
                .contains(40);
    }

    @Test
    void dirtyLimitConverges() throws Exception {
        MigrationFigures f = migrate("dirty-limit", Throttling.defaults().withDirtyLimit(true, 1L << 20))
                .sourceFigures();
        assertThat(f.iterations()).isLessThan(CAP);
    }
}
