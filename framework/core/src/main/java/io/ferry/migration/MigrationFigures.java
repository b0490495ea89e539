package io.ferry.migration;

import java.util.Locale;

/**
 * A snapshot of a migration's figures, as QEMU's {@code query-migrate}. Durations in
 * milliseconds; figures not known yet are 0.
 *
 * @param setupMillis time from start to the end of SETUP
 * @param totalMillis time from start to now, or to the end
 * @param downtimeMillis source: from stopping the machine to the destination's acknowledgement
 * @param transferredBytes bytes written to (source) or read from (destination) the stream
 * @param remainingBytes source: the last pending estimate of the ITERATE handlers
 * @param dirtyPagesRate source: pages newly dirtied per second, measured between dirty syncs
 * @param iterations DIRTY_SYNC + ITERATE passes so far (QEMU's dirty-sync-count)
 * @param expectedDowntimeMillis source: remaining bytes / measured bandwidth
 * @param throughputMbps megabits per second over the migration so far
 * @param normalPages guest pages sent (or loaded) as data
 * @param zeroPages guest pages sent (or loaded) as zero-page records
 */
public record MigrationFigures(
        MigrationStatus status,
        long setupMillis,
        long totalMillis,
        long downtimeMillis,
        long transferredBytes,
        long remainingBytes,
        long dirtyPagesRate,
        int iterations,
        long expectedDowntimeMillis,
        double throughputMbps,
        long normalPages,
        long zeroPages) {

    /** One line with every figure, for progress output. */
    public String summary() {
        return String.format(Locale.ROOT,
                "status=%s total=%dms setup=%dms downtime=%dms transferred=%s remaining=%s dirty-rate=%d pages/s"
                        + " iterations=%d expected-downtime=%dms throughput=%.0f Mbps normal=%d zero=%d",
                status, totalMillis, setupMillis, downtimeMillis, Sizes.format(transferredBytes),
                Sizes.format(remainingBytes), dirtyPagesRate, iterations, expectedDowntimeMillis, throughputMbps,
                normalPages, zeroPages);
    }
}
