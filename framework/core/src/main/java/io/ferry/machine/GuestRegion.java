package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A range of guest RAM that a device owns (its queues, tables, rings): other workloads leave it
 * alone. See {@link Machine#reserve}.
 */
public record GuestRegion(String owner, long base, long size) {
    public GuestRegion {
        checkNotNull(owner, "owner");
        checkArgument(base >= 0 && size > 0, "region of %s: base %s, size %s", owner, base, size);
    }

    public long end() {
        return base + size;
    }

    public boolean overlaps(GuestRegion other) {
        return base < other.end() && other.base < end();
    }

    /** First guest page touched by this region. */
    public long firstPage() {
        return base >>> GuestMemory.PAGE_SHIFT;
    }

    /** Guest pages touched by this region. */
    public long pages() {
        return ((end() - 1) >>> GuestMemory.PAGE_SHIFT) - firstPage() + 1;
    }

    @Override
    public String toString() {
        return String.format("%s [0x%x, 0x%x)", owner, base, end());
    }
}
