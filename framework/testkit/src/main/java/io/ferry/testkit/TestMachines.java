package io.ferry.testkit;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.RamBlock;

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

    /** Fills RAM with pseudo-random pages, {@code zeroFraction} of them zero; see {@link MemoryFill#random}. */
    public static void fillRandom(GuestMemory memory, long seed, double zeroFraction) {
        MemoryFill.random(memory, seed, zeroFraction);
    }
}
