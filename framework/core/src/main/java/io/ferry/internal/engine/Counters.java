package io.ferry.internal.engine;

import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.SwitchoverBreakdown;
import java.util.concurrent.TimeUnit;

/**
 * The raw figures of one migration. Written by the migration thread; read by anyone through
 * {@link #snapshot}, so fields are volatile (each figure is consistent on its own; a snapshot
 * is not atomic across figures, which is fine for monitoring).
 */
final class Counters {
    private volatile long startNanos = System.nanoTime();
    volatile long setupNanos;
    volatile long endNanos;
    volatile long downtimeNanos;
    volatile long transferredBytes;
    volatile long remainingBytes;
    volatile long dirtyPagesRate;
    volatile int iterations;
    volatile long expectedDowntimeNanos;
    volatile long normalPages;
    volatile long zeroPages;
    volatile SwitchoverBreakdown switchover = SwitchoverBreakdown.NONE;
    volatile long discardedPages;
    volatile int cpuThrottlePercent;
    volatile long xbzrleCacheHits;
    volatile long xbzrleCacheMisses;

    long elapsedNanos() {
        long end = endNanos;
        return (end == 0 ? System.nanoTime() : end) - startNanos;
    }

    void finish() {
        endNanos = System.nanoTime();
    }

    long startNanos() {
        return startNanos;
    }

    /** Restarts the clock: the destination's migration starts when the source connects, not when it listens. */
    void startNow() {
        startNanos = System.nanoTime();
    }

    MigrationFigures snapshot(MigrationStatus status) {
        long total = elapsedNanos();
        double mbps = total == 0 ? 0 : transferredBytes * 8.0 / (total / 1e9) / 1e6;
        return new MigrationFigures(
                status,
                ms(setupNanos),
                ms(total),
                ms(downtimeNanos),
                transferredBytes,
                remainingBytes,
                dirtyPagesRate,
                iterations,
                ms(expectedDowntimeNanos),
                mbps,
                normalPages,
                zeroPages,
                switchover,
                discardedPages,
                cpuThrottlePercent,
                xbzrleCacheHits,
                xbzrleCacheMisses);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
