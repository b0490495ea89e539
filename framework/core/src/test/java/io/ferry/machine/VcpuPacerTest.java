package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The vCPU's pacing under throttle and dirty limit, on made-up nanosecond times. */
class VcpuPacerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Runs {@code batches} batches of {@code work} ns each, as soon as allowed; returns when the last one ended. */
    private static long run(VcpuPacer pacer, int batches, long work, long dirtiedPerBatch) {
        long start = 0;
        long end = 0;
        for (int i = 0; i < batches; i++) {
            end = start + work;
            start = Math.max(end, pacer.next(start, end, dirtiedPerBatch));
        }
        return start;
    }

    @Test
    void timeSpentStoppedIsNoDebtToCatchUp() {
        VcpuPacer pacer = new VcpuPacer(MS, 0); // created long before the machine starts
        pacer.throttle(90);
        long resumed = 50 * MS;
        pacer.resumedAt(resumed);
        // the first batch runs at once; the next is due a full throttled period later, not at once
        assertThat(pacer.next(resumed, resumed + MS / 10, 0)).isEqualTo(resumed + 10 * MS);
    }

    @Test
    void unthrottledItKeepsItsRate() {
        assertThat(run(new VcpuPacer(MS, 0), 100, MS / 10, 0)).isEqualTo(100 * MS);
    }

    @Test
    void aThrottleOfPPercentStretchesTheScheduleBy100Over100MinusP() {
        VcpuPacer pacer = new VcpuPacer(MS, 0);
        pacer.throttle(50);
        assertThat(run(pacer, 100, MS / 10, 0)).isEqualTo(200 * MS);
        VcpuPacer hard = new VcpuPacer(MS, 0);
        hard.throttle(99);
        assertThat(run(hard, 10, MS / 10, 0)).isEqualTo(1000 * MS);
    }

    @Test
    void aVcpuThatCannotKeepUpSleepsInProportionToItsWork() {
        VcpuPacer pacer = new VcpuPacer(MS, 0);
        pacer.throttle(75); // runs 4 ms per 1 ms batch: sleeps 12 ms after each
        assertThat(run(pacer, 10, 4 * MS, 0)).isEqualTo(10 * 16 * MS);
    }

    @Test
    void aDirtyLimitHoldsNewlyDirtiedPagesPerSecondToTheLimit() {
        VcpuPacer pacer = new VcpuPacer(MS, 0);
        pacer.dirtyLimit(1000, 0); // 1000 pages/s; every batch dirties 10 pages: 100 batches/s at most
        long done = run(pacer, 500, MS / 10, 10);
        assertThat(done).isEqualTo(TimeUnit.SECONDS.toNanos(5)); // 5000 pages in 5 s, not 0.5 s
        VcpuPacer clean = new VcpuPacer(MS, 0);
        clean.dirtyLimit(1000, 0);
        assertThat(run(clean, 500, MS / 10, 0)).isEqualTo(500 * MS); // writing dirty pages again costs nothing
    }

    @Test
    void afterALongStopItDoesNotBurstToCatchUp() {
        VcpuPacer pacer = new VcpuPacer(MS, 0);
        long end = TimeUnit.SECONDS.toNanos(1); // the machine was stopped for a second
        assertThat(pacer.next(end - MS / 10, end, 0)).isEqualTo(end);
    }
}
