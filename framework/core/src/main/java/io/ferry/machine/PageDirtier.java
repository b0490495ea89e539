package io.ferry.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.SplittableRandom;

/**
 * A guest workload that dirties one page per step through the tracked (vCPU) path, choosing pages
 * by a {@link DirtyPattern}. Each step stores a fresh pseudo-random value at a pseudo-random 8-byte
 * slot, so pages change content, not just their dirty bit. Run it on one vCPU only.
 */
public final class PageDirtier implements GuestTask {
    private final MemoryAccess access;
    private final long pages;
    private final long hotPages;
    private final boolean sequential;
    private final SplittableRandom random;

    public PageDirtier(GuestMemory memory, DirtyPattern pattern, long seed) {
        checkNotNull(memory, "memory");
        checkNotNull(pattern, "pattern");
        this.access = memory.tracked();
        this.pages = memory.pages();
        this.hotPages = pattern instanceof DirtyPattern.HotSet h ? Math.max(1, (long) (pages * h.fraction())) : pages;
        this.sequential = pattern instanceof DirtyPattern.Sequential;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public void step(long index) {
        long page = sequential ? index % pages : random.nextLong(hotPages);
        long slot = random.nextInt(GuestMemory.PAGE_SIZE / Long.BYTES) * (long) Long.BYTES;
        access.writeLong((page << GuestMemory.PAGE_SHIFT) + slot, random.nextLong() | 1L);
    }
}
