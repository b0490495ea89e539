package io.ferry.htab.internal;

import io.ferry.machine.GuestTask;
import java.util.SplittableRandom;

/** The guest's page-table maintenance (H_ENTER-style hypercalls): each step rewrites one random entry. */
final class HtabUpdater implements GuestTask {
    private final HtabDevice device;
    private final long entries;
    private final SplittableRandom random;

    HtabUpdater(HtabDevice device, long seed) {
        this.device = device;
        this.entries = device.geometry().entries();
        this.random = new SplittableRandom(seed);
    }

    @Override
    public void step(long index) {
        device.update(random.nextLong(entries), random.nextLong() | 1L, random.nextLong());
    }
}
