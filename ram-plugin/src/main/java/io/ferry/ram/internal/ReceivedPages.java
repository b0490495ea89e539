package io.ferry.ram.internal;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.ram.IncompleteRamException;
import java.util.Arrays;

/**
 * Which guest pages the destination has received since SETUP, with data or declared zero: one bit
 * per page (32 KiB of heap per GiB of guest RAM; the RAM itself stays off-heap). Pages a fresh
 * destination knows are zero do not count: only what the source sent does.
 */
final class ReceivedPages {
    private final long pages;
    private final long[] bits;

    ReceivedPages(long pages) {
        checkArgument(pages >= 0 && pages <= (long) Integer.MAX_VALUE * Long.SIZE, "cannot track %s pages", pages);
        this.pages = pages;
        this.bits = new long[(int) ((pages + Long.SIZE - 1) / Long.SIZE)];
    }

    /** Marks pages [first, first + count) received. */
    void mark(long first, long count) {
        long end = first + count;
        for (long p = first; p < end; ) {
            int word = (int) (p >>> 6);
            int from = (int) (p & 63);
            int to = (int) Math.min(64, from + (end - p));
            long mask = (to == 64 ? -1L : (1L << to) - 1) & (-1L << from);
            bits[word] |= mask;
            p += to - from;
        }
    }

    /** The first page not received at or after {@code from}, or -1. */
    private long nextMissing(long from) {
        for (int w = (int) (from >>> 6); w < bits.length; w++) {
            long clear = ~bits[w] & (w == (int) (from >>> 6) ? -1L << (from & 63) : -1L);
            if (clear != 0) {
                long p = ((long) w << 6) + Long.numberOfTrailingZeros(clear);
                return p < pages ? p : -1;
            }
        }
        return -1;
    }

    private boolean received(long page) {
        return (bits[(int) (page >>> 6)] & (1L << (page & 63))) != 0;
    }

    /** @throws IncompleteRamException naming the first range of pages never received, and how many are missing */
    void checkComplete() {
        long first = nextMissing(0);
        if (first < 0) {
            return;
        }
        long end = first + 1;
        while (end < pages && !received(end)) {
            end++;
        }
        long missing = pages - Arrays.stream(bits).map(Long::bitCount).sum();
        throw new IncompleteRamException(String.format(
                "RAM incomplete at LOAD_COMPLETE: %d of %d pages never arrived "
                        + "(neither with data nor declared zero), the first pages [%d, %d)",
                missing, pages, first, end));
    }
}
