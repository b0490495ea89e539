package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.its.ItsLayout;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryAccess;

/**
 * The guest driver's own progress, kept where a guest kernel keeps it: in guest RAM (the driver
 * page of {@link ItsLayout}), so it migrates with RAM and the driver carries on from it on the
 * destination. Little-endian u64s: magic, seed, steps done, commands posted, MSIs raised.
 */
public record DriverState(long seed, long steps, long commands, long msis) {
    /** "ITSDRV01" in ASCII, read as a little-endian u64. */
    static final long MAGIC = 0x3130_5652_4453_5449L;

    static DriverState initial(long seed) {
        return new DriverState(seed, 0, 0, 0);
    }

    /** The driver's state in {@code memory}. */
    public static DriverState read(GuestMemory memory) {
        return read(memory.untracked(), ItsLayout.of(memory));
    }

    static DriverState read(MemoryAccess in, ItsLayout layout) {
        long at = layout.driverPage();
        long magic = in.readLong(at);
        checkState(
                magic == MAGIC,
                "no ITS driver state at 0x%s (magic 0x%s): the driver was never booted here",
                Long.toHexString(at),
                Long.toHexString(magic));
        return new DriverState(in.readLong(at + 8), in.readLong(at + 16), in.readLong(at + 24), in.readLong(at + 32));
    }

    /** Writes this state through {@code out} (the tracked path, so the page is sent again). */
    void write(MemoryAccess out, ItsLayout layout) {
        long at = layout.driverPage();
        out.writeLong(at, MAGIC);
        out.writeLong(at + 8, seed);
        out.writeLong(at + 16, steps);
        out.writeLong(at + 24, commands);
        out.writeLong(at + 32, msis);
    }

    DriverState afterCommand() {
        return new DriverState(seed, steps + 1, commands + 1, msis);
    }

    DriverState afterMsi() {
        return new DriverState(seed, steps + 1, commands, msis + 1);
    }
}
