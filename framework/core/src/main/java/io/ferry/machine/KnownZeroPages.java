package io.ferry.machine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which guest pages are known to hold only zeros without reading them: pages never written since
 * the memory was allocated (fresh RAM is zero), or whose last write was a whole-page zero fill.
 * {@link MemoryAccess} keeps it: every write marks its pages as maybe non-zero (after the data is
 * written); a zero fill clears the mark of the whole pages it covers (before the zeros are
 * written, so a racing writer's mark is never lost). Lets the RAM sender skip reading pages it
 * knows are zero, and the destination skip zero runs over pages that are zero already. Costs one
 * bit per page. Thread-safe.
 */
public final class KnownZeroPages {
    private final long pages;
    private final AtomicLongArray maybeNonZero; // a set bit: the page may hold a non-zero byte

    KnownZeroPages(long pages) {
        this.pages = pages;
        this.maybeNonZero = new AtomicLongArray((int) ((pages + 63) >>> 6));
    }

    /** Whether page {@code page} is known to hold only zeros. */
    public boolean isKnownZero(long page) {
        return (maybeNonZero.get((int) (page >>> 6)) & (1L << page)) == 0;
    }

    /** Whether every page of {@code [first, first + count)} is known to hold only zeros. */
    public boolean isKnownZero(long first, long count) {
        return nextMaybeNonZero(first, first + count) < 0;
    }

    /** The first page in {@code [from, end)} that may hold a non-zero byte, or -1 if none may. */
    public long nextMaybeNonZero(long from, long end) {
        long p = from;
        while (p < end) {
            int w = (int) (p >>> 6);
            long word = maybeNonZero.get(w) & (-1L << p); // bits from p on within this word
            if (word != 0) {
                long hit = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return hit < end ? hit : -1;
            }
            p = ((long) w + 1) << 6;
        }
        return -1;
    }

    /** Pages known to hold only zeros. */
    public long count() {
        long set = 0;
        for (int i = 0; i < maybeNonZero.length(); i++) {
            set += Long.bitCount(maybeNonZero.get(i));
        }
        return pages - set;
    }

    /**
     * Marks {@code [first, first + count)} as maybe non-zero; call it after writing the data and a
     * full fence. The data must be visible before the bit is looked at: if it is seen set and the
     * mark skipped, a zero fill clearing it concurrently must then write its zeros after the data.
     * A vCPU's write takes no lock, and a volatile read does not order earlier plain stores
     * (StoreLoad), hence the fence ({@link MemoryAccess} does one for this and the dirty log;
     * KnownZeroPagesRaceTest lost the data without it).
     */
    void markWritten(long first, long count) {
        for (long p = first; p < first + count; p++) {
            int w = (int) (p >>> 6);
            long bit = 1L << p;
            if ((maybeNonZero.get(w) & bit) == 0) { // read first: written pages are usually marked already
                maybeNonZero.getAndAccumulate(w, bit, (a, b) -> a | b);
            }
        }
    }

    /** Marks {@code [first, first + count)} as zero; call it before writing the zeros. */
    void markZeroed(long first, long count) {
        for (long p = first; p < first + count; p++) {
            int w = (int) (p >>> 6);
            long bit = 1L << p;
            if ((maybeNonZero.get(w) & bit) != 0) {
                maybeNonZero.getAndAccumulate(w, ~bit, (a, b) -> a & b);
            }
        }
    }
}
