package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One named, contiguous region of guest RAM, held off-heap in direct buffers of at most
 * {@link GuestMemory#SEGMENT_SIZE} bytes each, so blocks larger than 2 GiB work.
 *
 * <p>A block occupies guest addresses {@code [base(), base() + size())} in its memory's flat
 * address space; its pages are numbered globally from {@link #firstPage()}.
 */
public final class RamBlock {
    private final String name;
    private final int index;
    private final long base;
    private final long size;
    private final ByteBuffer[] segments;

    RamBlock(String name, int index, long base, long size) {
        this.name = checkNotNull(name, "name");
        checkArgument(
                size > 0 && size % GuestMemory.PAGE_SIZE == 0,
                "block %s: size %s is not a positive multiple of %s",
                name,
                size,
                GuestMemory.PAGE_SIZE);
        this.index = index;
        this.base = base;
        this.size = size;
        int count = (int) ((size + GuestMemory.SEGMENT_SIZE - 1) / GuestMemory.SEGMENT_SIZE);
        this.segments = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long segSize = Math.min(GuestMemory.SEGMENT_SIZE, size - (long) i * GuestMemory.SEGMENT_SIZE);
            // allocateDirect zero-fills, which also pre-faults the memory before any timing starts.
            segments[i] = ByteBuffer.allocateDirect((int) segSize).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    public String name() {
        return name;
    }

    /** Position of this block in its memory's block list. */
    public int index() {
        return index;
    }

    /** First guest address of this block. */
    public long base() {
        return base;
    }

    public long size() {
        return size;
    }

    public long pages() {
        return size / GuestMemory.PAGE_SIZE;
    }

    /** Global number of this block's first page. */
    public long firstPage() {
        return base / GuestMemory.PAGE_SIZE;
    }

    public boolean containsPage(long page) {
        return page >= firstPage() && page < firstPage() + pages();
    }

    int segmentCount() {
        return segments.length;
    }

    /** The segment holding block offset {@code offset}; callers index it by {@code offset % SEGMENT_SIZE}. */
    ByteBuffer segmentAt(long offset) {
        ByteBuffer s = segments[(int) (offset / GuestMemory.SEGMENT_SIZE)];
        if (s == null) {
            throw new IllegalStateException("block " + name + " was released with its machine");
        }
        return s;
    }

    /**
     * Frees the block's memory now. Only once nothing can touch it any more (the machine is shut
     * down, its vCPUs have ended and no migration holds it): a later access finds no segment.
     */
    void release() {
        for (int i = 0; i < segments.length; i++) {
            ByteBuffer s = segments[i];
            segments[i] = null;
            if (s != null) {
                DirectMemory.free(s);
            }
        }
    }

    @Override
    public String toString() {
        return "RamBlock[" + name + ", base=0x" + Long.toHexString(base) + ", size=" + size + "]";
    }
}
