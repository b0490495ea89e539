package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;

/**
 * A direct buffer for frame bodies (a frame's payload and its checksum) that grows to the frames
 * read into it, for {@link FrameReader#next(FrameBuffer)}. A frame may be as large as the
 * reader's maximum (4 MiB by default) while most are far smaller (a RAM batch is about 520 KiB),
 * and a fresh direct buffer costs its whole size in zeroing and page faults: a reader that keeps
 * several buffers (reading ahead) should pay for what its frames need, not for the maximum each.
 * It grows to the body's size rounded up to {@value #GRANULE} bytes, and at least doubles, so the
 * buffers it outgrows add up to less than its final size; it never exceeds the size it was made
 * for. Not thread-safe: hand it between threads with a happens-before edge (a blocking queue).
 */
public final class FrameBuffer {
    /** The unit a buffer grows by, at least. */
    public static final int GRANULE = 64 << 10;

    private final int maxSize;
    private ByteBuffer buffer;
    private volatile long allocated; // written by the thread using the buffer, readable by any

    /** A buffer that will hold bodies of up to {@code maxSize} bytes ({@link FrameReader#bufferSize()}); none allocated yet. */
    public FrameBuffer(int maxSize) {
        checkArgument(maxSize > 0, "max size must be positive but was %s", maxSize);
        this.maxSize = maxSize;
    }

    /** A frame buffer that is {@code fixed} and never grows (it allocated nothing itself). */
    static FrameBuffer over(ByteBuffer fixed) {
        FrameBuffer b = new FrameBuffer(fixed.capacity());
        b.buffer = fixed;
        return b;
    }

    /** The buffer, first grown if it has fewer than {@code size} bytes; its contents are not kept when it grows. */
    ByteBuffer ofAtLeast(int size) {
        checkArgument(size >= 0 && size <= maxSize, "a body of %s bytes, this buffer holds at most %s", size, maxSize);
        if (buffer == null || buffer.capacity() < size) {
            int current = buffer == null ? 0 : buffer.capacity();
            long grown = Math.max(roundUp(size), 2L * current);
            buffer = ByteBuffer.allocateDirect((int) Math.min(grown, maxSize));
            allocated += buffer.capacity();
        }
        return buffer;
    }

    /** The largest body this buffer was made to hold. */
    public int maxSize() {
        return maxSize;
    }

    /** The current buffer's capacity in bytes (0 before the first frame). */
    public int capacity() {
        return buffer == null ? 0 : buffer.capacity();
    }

    /** Bytes allocated over this buffer's life, the buffers it outgrew included. */
    public long bytesAllocated() {
        return allocated;
    }

    private static long roundUp(int size) {
        return ((long) size + GRANULE - 1) / GRANULE * GRANULE;
    }
}
