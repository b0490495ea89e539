package io.ferry.ram.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static io.ferry.machine.GuestMemory.PAGE_SIZE;

import java.nio.ByteBuffer;

/**
 * The source's copies of pages as last sent, for XBZRLE deltas (QEMU's {@code xbzrle-cache-size}):
 * direct-mapped, one off-heap slot of a page per {@code page % slots}, so it never grows past its
 * size; a newer page evicts whatever shared its slot. Counts hits and misses for the hit rate.
 */
final class XbzrleCache {
    /** Largest cache accepted: one direct buffer. */
    static final long MAX_BYTES = 1L << 30;

    private final ByteBuffer pages;
    private final long[] tags; // page + 1 held by each slot, 0 = empty
    private final int slots;
    private long hits;
    private long misses;

    XbzrleCache(long bytes) {
        checkArgument(
                bytes >= PAGE_SIZE && bytes <= MAX_BYTES,
                "xbzrle-cache-size must be in [4 KiB, 1 GiB] but was %s",
                bytes);
        this.slots = (int) (bytes / PAGE_SIZE);
        this.pages = ByteBuffer.allocateDirect(slots * PAGE_SIZE);
        this.tags = new long[slots];
    }

    /** The cached copy of {@code page} (a fresh view of its slot), counting a hit; or null, counting a miss. */
    ByteBuffer lookup(long page) {
        int slot = (int) (page % slots);
        if (tags[slot] != page + 1) {
            misses++;
            return null;
        }
        hits++;
        return pages.slice(slot * PAGE_SIZE, PAGE_SIZE);
    }

    /** Stores the page {@code src} holds from its position (read, not consumed) as the copy of {@code page}. */
    void put(long page, ByteBuffer src) {
        int slot = (int) (page % slots);
        pages.put(slot * PAGE_SIZE, src, src.position(), PAGE_SIZE);
        tags[slot] = page + 1;
    }

    /** Forgets {@code page}: it went out in a form the cache does not hold (a zero run). */
    void invalidate(long page) {
        int slot = (int) (page % slots);
        if (tags[slot] == page + 1) {
            tags[slot] = 0;
        }
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }
}
