package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A concurrent dirty log over the pages of a {@link GuestMemory}: writers mark pages, the
 * migration thread fetches-and-clears it into a {@link DirtyBitmap}.
 *
 * <p>The guest memory's own log records vCPU writes made through {@link GuestMemory#tracked()}.
 * A device backend that writes guest RAM through the untracked path (like DMA) keeps a log of
 * its own and merges it at DIRTY_SYNC. Writers mark a page <em>after</em> writing its data, and
 * {@link #mark} fences before it looks at the bit, so a page whose bit is drained has its data
 * visible to the thread that drained it, and no write is ever missed.
 */
public final class DirtyLog implements DirtyLogSource {
    private final String name;
    private final long pages;
    private final AtomicLongArray words;
    private volatile boolean enabled;

    public DirtyLog(String name, long pages) {
        this.name = checkNotNull(name, "name");
        checkArgument(pages >= 0 && pages <= (long) Integer.MAX_VALUE * 64, "pages out of range: %s", pages);
        this.pages = pages;
        this.words = new AtomicLongArray((int) ((pages + 63) >>> 6));
    }

    @Override
    public String name() {
        return name;
    }

    public long pages() {
        return pages;
    }

    /** Starts recording marks; marks made while disabled are dropped. */
    @Override
    public void enable() {
        enabled = true;
    }

    /** Stops recording and forgets what was recorded. */
    @Override
    public void disable() {
        enabled = false;
        for (int i = 0; i < words.length(); i++) {
            words.set(i, 0);
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Marks one page dirty if logging is enabled. Call it after writing the page's data. */
    public void mark(long page) {
        if (!enabled) {
            return;
        }
        // The caller's data stores must be visible before we look at the bit: if we saw it set and skipped,
        // a drain clearing it concurrently must already see the new data, or the write would be lost.
        // A volatile read alone does not order earlier plain stores (StoreLoad), hence the full fence.
        VarHandle.fullFence();
        markFenced(page);
    }

    /** Marks every page in {@code [first, first + count)}; one fence for the whole range. */
    public void markRange(long first, long count) {
        markRangeCounting(first, count);
    }

    /**
     * As {@link #markRange}, and says how many of the pages this call newly marked (0 while
     * disabled): what a vCPU's dirty limit paces by.
     */
    public long markRangeCounting(long first, long count) {
        if (!enabled) {
            return 0;
        }
        VarHandle.fullFence();
        return markRangeFenced(first, count);
    }

    /** As {@link #markRangeCounting}, for a caller that has just done the full fence itself ({@link MemoryAccess}). */
    long markRangeFenced(long first, long count) {
        if (!enabled) {
            return 0;
        }
        long added = 0;
        for (long p = first; p < first + count; p++) {
            added += markFenced(p);
        }
        return added;
    }

    private int markFenced(long page) {
        int w = (int) (page >>> 6);
        long bit = 1L << page;
        // Read first: hot pages are usually already marked, and a shared read is far cheaper than a CAS.
        if ((words.get(w) & bit) == 0) {
            return (words.getAndAccumulate(w, bit, (a, b) -> a | b) & bit) == 0 ? 1 : 0;
        }
        return 0;
    }

    /**
     * Atomically fetches and clears every word and ORs it into {@code target}.
     *
     * @return how many pages became dirty in {@code target}
     */
    @Override
    public long drainInto(DirtyBitmap target) {
        checkArgument(target.pages() == pages, "bitmap covers %s pages, log %s covers %s", target.pages(), name, pages);
        long added = 0;
        for (int i = 0; i < words.length(); i++) {
            if (words.get(i) != 0) {
                added += target.orWord(i, words.getAndSet(i, 0));
            }
        }
        return added;
    }

    /** Number of pages marked now; a snapshot that concurrent writers may already have changed. */
    @Override
    public long peekCount() {
        long n = 0;
        for (int i = 0; i < words.length(); i++) {
            n += Long.bitCount(words.get(i));
        }
        return n;
    }

    @Override
    public String toString() {
        return "DirtyLog[" + name + "]";
    }
}
