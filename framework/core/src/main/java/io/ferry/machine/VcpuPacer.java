package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.concurrent.TimeUnit;

/**
 * When a {@link Vcpu} may start its next batch: pure arithmetic over nanosecond times, so the
 * throttles are tested without clocks.
 *
 * <ul>
 *   <li>The set rate: one batch per {@code nanosPerBatch}.
 *   <li>CPU throttle (QEMU's auto-converge), {@code p} percent: after a batch of {@code work} ns
 *       (the longer of its real duration and its share of the rate) the vCPU sleeps
 *       {@code work * p / (100 - p)}, so it runs at most {@code 100 - p} percent of the time.
 *   <li>Dirty limit (QEMU's dirty-limit), pages per second: the next batch waits until the pages
 *       newly dirtied since the limit was set are within the limit.
 * </ul>
 *
 * Time a vCPU spends stopped is no debt: its schedule restarts when it resumes
 * ({@link #resumedAt}), so it never bursts after a stop or before its first start; and a vCPU that
 * falls behind by more than {@link #MAX_LAG_NANOS} otherwise does not burst to catch up either.
 * Not thread-safe: one per vCPU thread.
 */
final class VcpuPacer {
    static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final long nanosPerBatch;
    private long due;
    private int throttle;
    private long limit;
    private long limitSince;
    private long dirtiedSinceLimit;

    VcpuPacer(long nanosPerBatch, long now) {
        checkArgument(nanosPerBatch > 0, "nanosPerBatch must be > 0 but was %s", nanosPerBatch);
        this.nanosPerBatch = nanosPerBatch;
        this.due = now;
    }

    /** The vCPU runs again at {@code now} after a stop: the schedule starts from there. */
    void resumedAt(long now) {
        due = Math.max(due, now);
    }

    /** CPU throttle in percent, 0..99; takes effect from the next batch. */
    void throttle(int percent) {
        checkArgument(percent >= 0 && percent <= 99, "CPU throttle must be in [0, 99] percent but was %s", percent);
        throttle = percent;
    }

    /** Dirty-page limit in pages per second, 0 for none; counting starts at {@code now}. */
    void dirtyLimit(long pagesPerSecond, long now) {
        checkArgument(pagesPerSecond >= 0, "dirty limit must be >= 0 pages/s but was %s", pagesPerSecond);
        if (pagesPerSecond != limit) {
            limit = pagesPerSecond;
            limitSince = now;
            dirtiedSinceLimit = 0;
        }
    }

    /**
     * The time the next batch may start, given that the last one ran from {@code start} to
     * {@code end} and newly dirtied {@code dirtied} pages.
     */
    long next(long start, long end, long dirtied) {
        long work = Math.max(nanosPerBatch, end - start);
        due += work + work * throttle / (100 - throttle);
        if (limit > 0) {
            dirtiedSinceLimit += dirtied;
            due = Math.max(due, limitSince + dirtiedSinceLimit * TimeUnit.SECONDS.toNanos(1) / limit);
        }
        if (due < end - MAX_LAG_NANOS) {
            due = end;
        }
        return due;
    }
}
