package io.ferry.cli;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryAccess;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * What a migration of a guest RAM must do beyond the bytes' trip, whatever else it does: a
 * CRC32C over every byte at each end (the stream's checksum) and one copy into the destination's
 * guest RAM (verify, then apply: a frame is checked in its buffer before its pages are written).
 * Each is measured once, on this thread, as CPU time, in 512 KiB pieces (a RAM batch). Beside a
 * migration's CPU and bare TCP's, it shows how much of the migration's CPU is its own overhead.
 */
final class LeastWork {
    private LeastWork() {}

    /** One CRC32C pass over a RAM and one copy of it, in CPU milliseconds. */
    record Costs(long checksumMillis, long copyMillis) {
        /** The CPU a migration needs beyond the bytes' trip: a checksum at each end and a copy. */
        long beyondWire() {
            return 2 * checksumMillis + copyMillis;
        }
    }

    /**
     * Checksums {@code from} once and copies it into {@code into} once (which must have its
     * layout); {@code into}'s content is overwritten.
     */
    static Costs measure(GuestMemory from, GuestMemory into) {
        checkArgument(from.layoutEquals(into), "the copy's target must have the source's layout: %s, %s", from, into);
        CRC32C crc = new CRC32C();
        long start = cpuNanos();
        LoopbackWire.forEachPiece(from, 0, from.pages(), (page, v) -> crc.update(v));
        long checksummed = cpuNanos();
        MemoryAccess target = into.untracked();
        LoopbackWire.forEachPiece(from, 0, from.pages(), (page, v) -> target.write(page << GuestMemory.PAGE_SHIFT, v));
        long copied = cpuNanos();
        return new Costs(
                TimeUnit.NANOSECONDS.toMillis(checksummed - start),
                TimeUnit.NANOSECONDS.toMillis(copied - checksummed));
    }

    /** This thread's CPU time, or the wall clock where the JVM cannot tell (one busy thread: nearly the same). */
    private static long cpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
                ? threads.getCurrentThreadCpuTime()
                : System.nanoTime();
    }
}
