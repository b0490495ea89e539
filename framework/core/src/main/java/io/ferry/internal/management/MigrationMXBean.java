package io.ferry.internal.management;

import java.util.List;
import java.util.Map;

/**
 * One migration as JMX shows it (jconsole, VisualVM): status, QEMU's query-migrate figures, the
 * passes so far and, once the figures carry one, the downtime breakdown. Sends an
 * {@link javax.management.AttributeChangeNotification} for {@code Status} at every change and a
 * notification of type {@value MigrationBean#PASS_NOTIFICATION} after each pass.
 */
public interface MigrationMXBean {
    long getId();

    String getMachine();

    /** SOURCE or DESTINATION. */
    String getSide();

    /** A {@link io.ferry.migration.MigrationStatus} name. */
    String getStatus();

    /** Why it failed or was cancelled; empty otherwise. */
    String getFailure();

    List<String> getPlugins();

    long getTotalMillis();

    long getSetupMillis();

    long getDowntimeMillis();

    long getExpectedDowntimeMillis();

    long getTransferredBytes();

    long getRemainingBytes();

    long getDirtyPagesRate();

    int getIterations();

    double getThroughputMbps();

    long getNormalPages();

    long getZeroPages();

    long getDiscardedPages();

    int getCpuThrottlePercent();

    long getXbzrleCacheHits();

    long getXbzrleCacheMisses();

    /** XBZRLE cache hits over lookups, 0..1. */
    double getXbzrleHitRate();

    /** Every figure by name, including ones added later (nested records flattened as {@code outer.inner}). */
    Map<String, String> getFigures();

    /** The downtime breakdown, by part, once the figures carry one; empty before. */
    Map<String, String> getDowntimeBreakdown();

    /** Every pass reported so far, oldest first. */
    List<PassInfo> getPasses();
}
