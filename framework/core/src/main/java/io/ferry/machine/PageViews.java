package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reusable views of guest pages for the migration data path: a view is a read-only duplicate of a
 * block's segment whose position and limit are moved onto the requested pages, so taking a view
 * allocates nothing once the pool is warm.
 *
 * <p>Views are handed out round-robin per segment: a view stays valid until {@code capacity}
 * further views of the same segment have been taken. A sender that gathers at most
 * {@code capacity} views per write can therefore keep them all. Not thread-safe.
 *
 * <p>Views do not pass the memory's {@link WriteGate}, which keeps other readers off memory being
 * freed: the migration data path runs under the machine's {@link MigrationClaim}, and the machine
 * frees its RAM only once the claim is let go (see {@link Machine#close()}). A user without a
 * claim must not read a view once the machine may be closed.
 */
public final class PageViews {
    /** One page of zeros, read-only. */
    static final ByteBuffer ZERO_PAGE =
            ByteBuffer.allocateDirect(GuestMemory.PAGE_SIZE).asReadOnlyBuffer();

    private final GuestMemory memory;
    private final int capacity;
    private final ByteBuffer[][][] pools; // [block][segment][slot]
    private final int[][] cursors;
    private final ByteBuffer[][]
            probes; // [block][segment]: for isZero, apart from the pool so it never moves a handed-out view
    private final ByteBuffer zeroProbe = ZERO_PAGE.duplicate();

    PageViews(GuestMemory memory, int capacity) {
        checkArgument(capacity > 0, "capacity must be > 0 but was %s", capacity);
        this.memory = memory;
        this.capacity = capacity;
        int blocks = memory.blocks().size();
        this.pools = new ByteBuffer[blocks][][];
        this.cursors = new int[blocks][];
        this.probes = new ByteBuffer[blocks][];
        for (RamBlock b : memory.blocks()) {
            pools[b.index()] = new ByteBuffer[b.segmentCount()][capacity];
            cursors[b.index()] = new int[b.segmentCount()];
            probes[b.index()] = new ByteBuffer[b.segmentCount()];
            for (int s = 0; s < b.segmentCount(); s++) {
                probes[b.index()][s] = b.segmentAt(s * GuestMemory.SEGMENT_SIZE).duplicate();
            }
        }
    }

    /**
     * How many pages from global page {@code page} on lie in the same segment, up to
     * {@code wanted}: the longest run a single view can cover.
     */
    public int contiguousPages(long page, int wanted) {
        RamBlock b = blockOf(page);
        long offset = (page - b.firstPage()) << GuestMemory.PAGE_SHIFT;
        long segEnd = Math.min(b.size(), (offset / GuestMemory.SEGMENT_SIZE + 1) * GuestMemory.SEGMENT_SIZE);
        return (int) Math.min(wanted, (segEnd - offset) >>> GuestMemory.PAGE_SHIFT);
    }

    /**
     * A read-only, little-endian view of {@code count} pages from global page {@code page} on,
     * positioned at the first byte. The run must lie within one segment ({@link #contiguousPages}).
     */
    public ByteBuffer view(long page, int count) {
        RamBlock b = blockOf(page);
        long offset = (page - b.firstPage()) << GuestMemory.PAGE_SHIFT;
        int seg = (int) (offset / GuestMemory.SEGMENT_SIZE);
        int start = (int) (offset & (GuestMemory.SEGMENT_SIZE - 1));
        int end = start + (count << GuestMemory.PAGE_SHIFT);
        ByteBuffer[] pool = pools[b.index()][seg];
        int slot = cursors[b.index()][seg];
        cursors[b.index()][seg] = (slot + 1) % capacity;
        ByteBuffer v = pool[slot];
        if (v == null) {
            // Read-only: a write through a view would bypass the write gate of GuestMemory.holdWrites().
            v = b.segmentAt(offset).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            pool[slot] = v;
        }
        checkArgument(end <= v.capacity(), "run of %s pages from page %s crosses a segment", count, page);
        v.limit(end).position(start);
        return v;
    }

    /** Whether global page {@code page} holds only zeros (a vectorized compare). Moves no handed-out view. */
    public boolean isZero(long page) {
        return isZero(page, 1);
    }

    /**
     * Whether the {@code count} pages from global page {@code page} on hold only zeros. The run
     * must lie within one segment ({@link #contiguousPages}). Moves no handed-out view.
     */
    public boolean isZero(long page, int count) {
        RamBlock b = blockOf(page);
        long offset = (page - b.firstPage()) << GuestMemory.PAGE_SHIFT;
        ByteBuffer probe = probes[b.index()][(int) (offset / GuestMemory.SEGMENT_SIZE)];
        int start = (int) (offset & (GuestMemory.SEGMENT_SIZE - 1));
        for (int i = 0; i < count; i++) {
            int at = start + (i << GuestMemory.PAGE_SHIFT);
            probe.limit(at + GuestMemory.PAGE_SIZE).position(at);
            zeroProbe.clear();
            if (probe.mismatch(zeroProbe) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The block holding global page {@code page}. */
    public RamBlock blockOf(long page) {
        return memory.blockAt(page << GuestMemory.PAGE_SHIFT);
    }
}
