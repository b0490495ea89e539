package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;

/**
 * A plain bitmap of dirty guest pages, one bit per page of a {@link GuestMemory}: the
 * <em>migration bitmap</em> that dirty-log sources are merged into at each DIRTY_SYNC.
 *
 * <p>Not thread-safe: only the migration thread touches it. The concurrent logs that vCPUs and
 * device backends write are {@link DirtyLog}s.
 *
 * <p>It also keeps the <em>don't-care</em> pages: pages {@link #discard discarded} ("these pages
 * need not be sent", free-page hinting) and not dirtied since. Setting a page, by {@link #set} or
 * by merging a log into it, makes it a page to send again.
 */
public final class DirtyBitmap {
    private final long pages;
    private final long[] words;
    private long count;
    private long dirtiedTotal;
    private long[] discarded; // allocated by the first discard
    private long discardedCount;

    public DirtyBitmap(long pages) {
        checkArgument(pages >= 0, "pages must be >= 0 but was %s", pages);
        checkArgument(pages <= (long) Integer.MAX_VALUE * 64, "too many pages: %s", pages);
        this.pages = pages;
        this.words = new long[(int) ((pages + 63) >>> 6)];
    }

    public long pages() {
        return pages;
    }

    /** Number of dirty pages. */
    public long count() {
        return count;
    }

    /** Pages that became dirty over this bitmap's life (each clean-to-dirty change counts once). */
    public long dirtiedTotal() {
        return dirtiedTotal;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    public boolean get(long page) {
        checkElementIndex(Math.toIntExact(page >>> 6), words.length, "page word");
        return (words[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /** Marks {@code page} dirty; returns whether it was clean before. */
    public boolean set(long page) {
        checkArgument(page >= 0 && page < pages, "page %s outside [0, %s)", page, pages);
        int w = (int) (page >>> 6);
        long bit = 1L << page;
        if ((words[w] & bit) != 0) {
            return false;
        }
        words[w] |= bit;
        count++;
        dirtiedTotal++;
        undiscard(w, bit);
        return true;
    }

    /** Marks every page dirty. */
    public void setAll() {
        java.util.Arrays.fill(words, -1L);
        int tail = (int) (pages & 63);
        if (tail != 0) {
            words[words.length - 1] = (1L << tail) - 1;
        }
        dirtiedTotal += pages - count;
        count = pages;
        discarded = null;
        discardedCount = 0;
    }

    /** Clears {@code page}; returns whether it was dirty. */
    public boolean clear(long page) {
        int w = (int) (page >>> 6);
        long bit = 1L << page;
        if ((words[w] & bit) == 0) {
            return false;
        }
        words[w] &= ~bit;
        count--;
        return true;
    }

    /** Whether all 64 pages of the aligned word holding {@code page} are dirty. */
    public boolean isWordFull(long page) {
        int w = (int) (page >>> 6);
        return words[w] == -1L;
    }

    /** Clears the aligned word holding {@code page}: 64 pages at once. */
    public void clearWord(long page) {
        int w = (int) (page >>> 6);
        count -= Long.bitCount(words[w]);
        words[w] = 0;
    }

    /** ORs {@code bits} into word {@code index}; returns how many pages became dirty. */
    public int orWord(int index, long bits) {
        undiscard(index, bits);
        long added = bits & ~words[index];
        if (added == 0) {
            return 0;
        }
        words[index] |= added;
        int n = Long.bitCount(added);
        count += n;
        dirtiedTotal += n;
        return n;
    }

    /** The first dirty page at or after {@code from}, or -1. */
    public long nextDirty(long from) {
        return next(words, from);
    }

    /**
     * "These pages need not be sent": clears {@code [first, first + count)} and remembers them as
     * don't-care until one is set again.
     *
     * @return how many of them were dirty (pages that will not be sent now)
     */
    public long discard(long first, long count) {
        checkArgument(
                first >= 0 && count >= 0 && first <= pages - count,
                "pages [%s, +%s) outside [0, %s)",
                first,
                count,
                pages);
        if (discarded == null) {
            discarded = new long[words.length];
        }
        long dropped = 0;
        for (long p = first; p < first + count; p++) {
            int w = (int) (p >>> 6);
            long bit = 1L << p;
            if (clear(p)) {
                dropped++;
            }
            if ((discarded[w] & bit) == 0) {
                discarded[w] |= bit;
                discardedCount++;
            }
        }
        return dropped;
    }

    /** Whether {@code page} is don't-care: discarded and not dirtied since. */
    public boolean isDiscarded(long page) {
        return discarded != null && (discarded[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /** Number of don't-care pages. */
    public long discardedCount() {
        return discardedCount;
    }

    /** The first don't-care page at or after {@code from}, or -1. */
    public long nextDiscarded(long from) {
        return discarded == null ? -1 : next(discarded, from);
    }

    /** A new bitmap whose dirty pages are this one's don't-care pages. */
    public DirtyBitmap discardedPages() {
        DirtyBitmap copy = new DirtyBitmap(pages);
        if (discarded != null) {
            for (int i = 0; i < discarded.length; i++) {
                copy.orWord(i, discarded[i]);
            }
        }
        return copy;
    }

    private void undiscard(int word, long bits) {
        if (discarded != null) {
            long d = discarded[word] & bits;
            if (d != 0) {
                discarded[word] &= ~d;
                discardedCount -= Long.bitCount(d);
            }
        }
    }

    private long next(long[] bits, long from) {
        if (from >= pages) {
            return -1;
        }
        int w = (int) (from >>> 6);
        long word = bits[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return ((long) w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w == bits.length) {
                return -1;
            }
            word = bits[w];
        }
    }
}
