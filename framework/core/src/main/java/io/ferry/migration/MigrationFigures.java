package io.ferry.migration;

import java.util.Locale;

/**
 * A snapshot of a migration's figures, as QEMU's {@code query-migrate}. Durations in
 * milliseconds; figures not known yet are 0.
 *
 * @param setupMillis time from start to the end of SETUP
 * @param totalMillis time from start to now, or to the end
 * @param downtimeMillis source: the last switchover attempt's downtime, end to end from the stop
 *     request to the destination running (see {@link SwitchoverBreakdown})
 * @param transferredBytes bytes written to (source) or read from (destination) the stream
 * @param remainingBytes source: the last pending estimate of the ITERATE handlers
 * @param dirtyPagesRate source: pages newly dirtied per second, measured between dirty syncs
 * @param iterations DIRTY_SYNC + ITERATE passes so far (QEMU's dirty-sync-count)
 * @param expectedDowntimeMillis source: remaining bytes / measured bandwidth
 * @param throughputMbps megabits per second over the migration so far
 * @param normalPages guest pages sent (or loaded) as data
 * @param zeroPages guest pages sent (or loaded) as zero-page records
 * @param switchover source: where the last switchover's time went, and how many attempts there were
 * @param discardedPages source: dirty pages dropped from the migration bitmap by
 *     {@code StageContext.discardPages} ("need not be sent"), counted when dropped
 * @param cpuThrottlePercent source: the CPU throttle auto-converge has set, percent (0 when none)
 * @param xbzrleCacheHits source: dirty pages found in the XBZRLE cache (sent as a delta when it
 *     fits), counted from pass 2 on; 0 with {@code xbzrle-cache-size} 0
 * @param xbzrleCacheMisses source: dirty pages looked up in the XBZRLE cache and not found
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
        long zeroPages,
        SwitchoverBreakdown switchover,
        long discardedPages,
        int cpuThrottlePercent,
        long xbzrleCacheHits,
        long xbzrleCacheMisses) {

    public MigrationFigures {
        switchover = switchover == null ? SwitchoverBreakdown.NONE : switchover;
    }

    /** Figures without XBZRLE cache lookups. */
    public MigrationFigures(
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
            long zeroPages,
            SwitchoverBreakdown switchover,
            long discardedPages,
            int cpuThrottlePercent) {
        this(
                status,
                setupMillis,
                totalMillis,
                downtimeMillis,
                transferredBytes,
                remainingBytes,
                dirtyPagesRate,
                iterations,
                expectedDowntimeMillis,
                throughputMbps,
                normalPages,
                zeroPages,
                switchover,
                discardedPages,
                cpuThrottlePercent,
                0,
                0);
    }

    /** Figures without discarded pages or a CPU throttle. */
    public MigrationFigures(
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
            long zeroPages,
            SwitchoverBreakdown switchover) {
        this(
                status,
                setupMillis,
                totalMillis,
                downtimeMillis,
                transferredBytes,
                remainingBytes,
                dirtyPagesRate,
                iterations,
                expectedDowntimeMillis,
                throughputMbps,
                normalPages,
                zeroPages,
                switchover,
                0,
                0,
                0,
                0);
    }

    /** Figures without a switchover breakdown. */
    public MigrationFigures(
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
        this(
                status,
                setupMillis,
                totalMillis,
                downtimeMillis,
                transferredBytes,
                remainingBytes,
                dirtyPagesRate,
                iterations,
                expectedDowntimeMillis,
                throughputMbps,
                normalPages,
                zeroPages,
                SwitchoverBreakdown.NONE);
    }

    /** XBZRLE cache hits over lookups, 0..1; 0 before any lookup (or with XBZRLE off). */
    public double xbzrleHitRate() {
        long lookups = xbzrleCacheHits + xbzrleCacheMisses;
        return lookups == 0 ? 0 : xbzrleCacheHits / (double) lookups;
    }

    /** Every figure, one a line, as QEMU's {@code info migrate} shows them. */
    public String report() {
        String figures = String.join(
                "\n",
                line("status", status.toString()),
                line("total time", totalMillis + " ms"),
                line("setup time", setupMillis + " ms"),
                line("downtime", downtimeMillis + " ms"),
                line("expected downtime", expectedDowntimeMillis + " ms"),
                line("iterations", Integer.toString(iterations)),
                line("transferred", Sizes.format(transferredBytes) + " (" + transferredBytes + " bytes)"),
                line("remaining", Sizes.format(remainingBytes)),
                line("dirty page rate", dirtyPagesRate + " pages/s"),
                line("throughput", String.format(Locale.ROOT, "%.0f Mbps", throughputMbps)),
                line("normal pages", Long.toString(normalPages)),
                line("zero pages", Long.toString(zeroPages)),
                line("discarded pages", Long.toString(discardedPages)),
                line("cpu throttle", cpuThrottlePercent + " %"),
                line(
                        "xbzrle hit rate",
                        String.format(
                                Locale.ROOT,
                                "%.1f %% (%d hits, %d misses)",
                                xbzrleHitRate() * 100,
                                xbzrleCacheHits,
                                xbzrleCacheMisses)));
        return switchover.checkpoints().isEmpty()
                ? figures
                : figures + "\n" + line("switchover", switchover.attempts() + " attempt(s)") + "\n"
                        + switchover.report();
    }

    private static String line(String name, String value) {
        return String.format(Locale.ROOT, "%-20s%s", name + ":", value);
    }
}
