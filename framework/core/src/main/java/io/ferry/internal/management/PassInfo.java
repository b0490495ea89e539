package io.ferry.internal.management;

import io.ferry.migration.PassProgress;
import java.beans.ConstructorProperties;
import java.util.Map;

/** One pass of a migration, as JMX composite data. */
public final class PassInfo {
    private final int pass;
    private final long transferredBytes;
    private final long remainingBytes;
    private final long dirtyPagesRate;
    private final long expectedDowntimeMillis;
    private final Map<String, Long> sectionBytes;

    @ConstructorProperties({
        "pass",
        "transferredBytes",
        "remainingBytes",
        "dirtyPagesRate",
        "expectedDowntimeMillis",
        "sectionBytes"
    })
    public PassInfo(
            int pass,
            long transferredBytes,
            long remainingBytes,
            long dirtyPagesRate,
            long expectedDowntimeMillis,
            Map<String, Long> sectionBytes) {
        this.pass = pass;
        this.transferredBytes = transferredBytes;
        this.remainingBytes = remainingBytes;
        this.dirtyPagesRate = dirtyPagesRate;
        this.expectedDowntimeMillis = expectedDowntimeMillis;
        this.sectionBytes = Map.copyOf(sectionBytes);
    }

    static PassInfo of(PassProgress p) {
        return new PassInfo(
                p.pass(),
                p.figures().transferredBytes(),
                p.figures().remainingBytes(),
                p.figures().dirtyPagesRate(),
                p.figures().expectedDowntimeMillis(),
                p.sectionBytes());
    }

    public int getPass() {
        return pass;
    }

    public long getTransferredBytes() {
        return transferredBytes;
    }

    public long getRemainingBytes() {
        return remainingBytes;
    }

    public long getDirtyPagesRate() {
        return dirtyPagesRate;
    }

    public long getExpectedDowntimeMillis() {
        return expectedDowntimeMillis;
    }

    /** Chunk payload bytes each section emitted in this pass. */
    public Map<String, Long> getSectionBytes() {
        return sectionBytes;
    }
}
