package io.ferry.testkit;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RamBlock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Makes source and destination machines and fills guest RAM with known content. */
public final class TestMachines {
    private TestMachines() {}

    /** A started source machine with one RAM block of {@code ramBytes}, filled with pseudo-random pages. */
    public static Machine runningSource(String name, long ramBytes, long seed) {
        Machine m = Machine.create(name, GuestMemory.of(ramBytes));
        fillRandom(m.memory(), seed, 0.25);
        m.start();
        return m;
    }

    /** A destination machine in INMIGRATE with the same RAM layout as {@code source}. */
    public static Machine destinationFor(Machine source) {
        GuestMemory.Builder b = GuestMemory.builder();
        for (RamBlock block : source.memory().blocks()) {
            b.block(block.name(), block.size());
        }
        return Machine.incoming(source.name() + "-dest", b.build());
    }

    /**
     * Fills every page with pseudo-random bytes derived from {@code seed}, except a
     * {@code zeroFraction} of pages left zero (so zero-page records are exercised too). Writes
     * through the untracked path: filling is set-up, not guest activity.
     */
    public static void fillRandom(GuestMemory memory, long seed, double zeroFraction) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer page = ByteBuffer.allocateDirect(GuestMemory.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long p = 0; p < memory.pages(); p++) {
            if (random.nextDouble() < zeroFraction) {
                continue;
            }
            page.clear();
            while (page.hasRemaining()) {
                page.putLong(random.nextLong());
            }
            memory.untracked().write(p << GuestMemory.PAGE_SHIFT, page.flip());
        }
    }
}
