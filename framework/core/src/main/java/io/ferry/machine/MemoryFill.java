package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Synthetic guest RAM content for demos, benchmarks and tests. Writes through the untracked
 * path: filling is set-up, not guest activity.
 */
public final class MemoryFill {
    private static final int CHUNK = 1 << 20;

    private MemoryFill() {}

    /**
     * Fills every page with pseudo-random bytes from {@code seed}, except about {@code zeroFraction}
     * of the pages (chosen pseudo-randomly), which are zeroed.
     */
    public static void random(GuestMemory memory, long seed, double zeroFraction) {
        checkArgument(
                zeroFraction >= 0 && zeroFraction <= 1, "zero fraction must be in [0, 1] but was %s", zeroFraction);
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer page = ByteBuffer.allocateDirect(GuestMemory.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        MemoryAccess access = memory.untracked();
        for (long p = 0; p < memory.pages(); p++) {
            long address = p << GuestMemory.PAGE_SHIFT;
            if (zeroFraction > 0 && random.nextDouble() < zeroFraction) {
                access.zero(address, GuestMemory.PAGE_SIZE);
                continue;
            }
            page.clear();
            // xorshift: far cheaper per word than SplittableRandom, and random enough for page content
            long x = random.nextLong() | 1;
            while (page.hasRemaining()) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                page.putLong(x);
            }
            access.write(address, page.flip());
        }
    }

    /** Zeroes all of guest RAM. */
    public static void zero(GuestMemory memory) {
        for (long at = 0; at < memory.size(); at += CHUNK) {
            memory.untracked().zero(at, Math.min(CHUNK, memory.size() - at));
        }
    }

    /** Random content in the first half of the pages, zeros in the second half. */
    public static void halfZero(GuestMemory memory, long seed) {
        random(memory, seed, 0);
        long half = (memory.pages() / 2) << GuestMemory.PAGE_SHIFT;
        for (long at = half; at < memory.size(); at += CHUNK) {
            memory.untracked().zero(at, Math.min(CHUNK, memory.size() - at));
        }
    }

    /**
     * Pages that compress to about half: each page is pseudo-random in its first half and zero in
     * its second, as a "half-compressible image" for compression benchmarks.
     */
    public static void halfCompressible(GuestMemory memory, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer page = ByteBuffer.allocateDirect(GuestMemory.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        MemoryAccess access = memory.untracked();
        for (long p = 0; p < memory.pages(); p++) {
            page.clear();
            long x = random.nextLong() | 1;
            while (page.position() < GuestMemory.PAGE_SIZE / 2) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                page.putLong(x);
            }
            while (page.hasRemaining()) {
                page.putLong(0);
            }
            access.write(p << GuestMemory.PAGE_SHIFT, page.flip());
        }
    }
}
