package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A throttled or dirty-limited vCPU really does less: the counts it reports stay within what its
 * pacing allows for the time that passed. Only upper bounds are asserted, which a loaded machine
 * (a slower vCPU) cannot break.
 */
class VcpuThrottleTest {

    /** Waits (bounded) until {@code v} has run {@code steps} steps: some work to measure, however slow the machine. */
    private static void awaitSteps(Vcpu v, long steps) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (v.steps() < steps) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + v + " to run " + steps + " steps");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void aDirtyLimitedVcpuNewlyDirtiesNoMorePagesThanTheLimitAllows() throws Exception {
        try (Machine m = Machine.create("m", GuestMemory.of(64 << 20))) {
            m.memory().dirtyLog().enable();
            m.limitDirtyRate(200);
            Vcpu v = m.startVcpu("v0", 50_000, new PageDirtier(m.memory(), new DirtyPattern.Uniform(), 1));
            long start = System.nanoTime();
            m.start();
            awaitSteps(v, 100);
            m.pause();
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(v.dirtyLimit()).isEqualTo(200);
            assertThat(v.pagesDirtied()).isPositive().isLessThanOrEqualTo((long) (200 * seconds) + 64);
            assertThat(v.steps()).isLessThanOrEqualTo(v.pagesDirtied() + 64); // fresh pages: about one per step
        }
    }

    @Test
    void aThrottledVcpuRunsNoMoreStepsThanItsShareOfTheRate() throws Exception {
        try (Machine m = Machine.create("m", GuestMemory.of(16 << 20))) {
            Vcpu v = m.startVcpu("v0", 20_000, new PageDirtier(m.memory(), new DirtyPattern.Uniform(), 2));
            m.throttleVcpus(90); // and vCPUs started later get it too
            Vcpu later = m.startVcpu("v1", 20_000, new PageDirtier(m.memory(), new DirtyPattern.Uniform(), 3));
            long start = System.nanoTime();
            m.start();
            awaitSteps(v, 400);
            awaitSteps(later, 400);
            m.pause();
            double seconds = (System.nanoTime() - start) / 1e9;
            for (Vcpu each : new Vcpu[] {v, later}) {
                assertThat(each.throttlePercent()).isEqualTo(90);
                assertThat(each.steps()).isPositive().isLessThanOrEqualTo((long) (20_000 * 0.1 * seconds) + 2 * 20);
            }
            m.throttleVcpus(0);
            assertThat(v.throttlePercent()).isZero();
        }
    }

    @Test
    void throttleAndLimitAreChecked() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            assertThatThrownBy(() -> m.throttleVcpus(100)).hasMessageContaining("[0, 99]");
            assertThatThrownBy(() -> m.limitDirtyRate(-1)).hasMessageContaining(">= 0");
        }
    }
}
