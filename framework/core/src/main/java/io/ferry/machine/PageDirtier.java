package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.SplittableRandom;

/**
 * A guest workload that dirties one page per step through the tracked (vCPU) path, choosing pages
 * by a {@link DirtyPattern}. Each step stores a fresh pseudo-random value at a pseudo-random 8-byte
 * slot, so pages change content, not just their dirty bit. Built from a {@link Machine}, it leaves
 * the machine's {@linkplain Machine#reservedRegions() reserved regions} alone. Run it on one vCPU only.
 */
public final class PageDirtier implements GuestTask {
    private final MemoryAccess access;
    private final long pages;
    private final long hotPages;
    private final boolean sequential;
    private final SplittableRandom random;
    private final long[] skipFirst; // reserved page ranges, by address: a free-page index steps over them
    private final long[] skipCount;

    /** Dirties any page of {@code memory}. */
    public PageDirtier(GuestMemory memory, DirtyPattern pattern, long seed) {
        this(memory, java.util.List.of(), pattern, seed);
    }

    /** Dirties the pages of {@code machine} outside its reserved regions (as they are now). */
    public PageDirtier(Machine machine, DirtyPattern pattern, long seed) {
        this(machine.memory(), machine.reservedRegions(), pattern, seed);
    }

    private PageDirtier(GuestMemory memory, java.util.List<GuestRegion> reserved, DirtyPattern pattern, long seed) {
        checkNotNull(memory, "memory");
        checkNotNull(pattern, "pattern");
        this.access = memory.tracked();
        this.skipFirst = reserved.stream().mapToLong(GuestRegion::firstPage).toArray();
        this.skipCount = reserved.stream().mapToLong(GuestRegion::pages).toArray();
        this.pages = memory.pages() - java.util.Arrays.stream(skipCount).sum();
        checkArgument(pages > 0, "no guest RAM is left outside the reserved regions %s", reserved);
        this.hotPages = pattern instanceof DirtyPattern.HotSet h ? Math.max(1, (long) (pages * h.fraction())) : pages;
        this.sequential = pattern instanceof DirtyPattern.Sequential;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public void step(long index) {
        long page = guestPage(sequential ? index % pages : random.nextLong(hotPages));
        long slot = random.nextInt(GuestMemory.PAGE_SIZE / Long.BYTES) * (long) Long.BYTES;
        access.writeLong((page << GuestMemory.PAGE_SHIFT) + slot, random.nextLong() | 1L);
    }

    /** The guest page of free-page index {@code free}: reserved ranges below it are stepped over. */
    private long guestPage(long free) {
        long page = free;
        for (int i = 0; i < skipFirst.length && page >= skipFirst[i]; i++) {
            page += skipCount[i];
        }
        return page;
    }
}
