package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;

/**
 * A plain bitmap of dirty guest pages, one bit per page of a {@link GuestMemory}: the
 * <em>migration bitmap</em> that dirty-log sources are merged into at each DIRTY_SYNC.
 *
 * <p>Not thread-safe: only the migration thread touches it. The concurrent logs that vCPUs and
 * device backends write are {@link DirtyLog}s.
 */
public final class DirtyBitmap {
    private final long pages;
    private final long[] words;
    private long count;

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
        return true;
    }

    /** Marks every page dirty. */
    public void setAll() {
        java.util.Arrays.fill(words, -1L);
        int tail = (int) (pages & 63);
        if (tail != 0) {
            words[words.length - 1] = (1L << tail) - 1;
        }
        count = pages;
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
        long added = bits & ~words[index];
        if (added == 0) {
            return 0;
        }
        words[index] |= added;
        int n = Long.bitCount(added);
        count += n;
        return n;
    }

    /** The first dirty page at or after {@code from}, or -1. */
    public long nextDirty(long from) {
        if (from >= pages) {
            return -1;
        }
        int w = (int) (from >>> 6);
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return ((long) w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w == words.length) {
                return -1;
            }
            word = words[w];
        }
    }
}
