package io.ferry.vhost;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.machine.GuestMemory;

/**
 * Where the vhost-net receive queue lives in guest RAM: a virtqueue-style split ring whose parts
 * each start on a page of their own. Fields are 32-bit (the guest memory API reads and writes 32-
 * and 64-bit words), little-endian; ring indices run freely and wrap at 2^32, and slot
 * {@code idx & (queueSize - 1)} holds entry {@code idx}.
 *
 * <pre>
 * driverState()  one page the guest driver keeps its progress in (see {@link RxDriverStatus})
 *                  +0  u32 magic "VNRX" once the driver has set the queue up
 *                  +8  u64 features the driver accepted
 *                  +16 u64 sequence number of the next packet expected
 *                  +24 u64 packets received intact and in order
 *                  +32 u64 errors seen (sequence, length, checksum, descriptor or ring index)
 *                  +40 u32 used index up to which the driver has consumed
 * descTable()    queueSize x {u64 buffer address, u32 length, u32 flags}    written by the driver
 * availRing()    u32 flags, u32 idx, queueSize x u32 descriptor id          written by the driver
 * usedRing()     u32 flags, u32 idx, queueSize x {u32 id, u32 length}       written by the backend
 * buffers()      queueSize x bufferSize bytes; descriptor i points at buffer i, written by the backend
 * </pre>
 *
 * @param base guest address of the first page, page-aligned
 * @param queueSize descriptors in the queue, a power of two in [2, 32768]
 * @param bufferSize bytes of each receive buffer, a multiple of 8 in [64, 65536]
 */
public record RxRingLayout(long base, int queueSize, int bufferSize) {
    public static final int DEFAULT_QUEUE_SIZE = 256;
    public static final int DEFAULT_BUFFER_SIZE = 2048;
    /** Bytes of one descriptor. */
    public static final int DESCRIPTOR = 16;
    /** Offset of the index in the available and used rings; entries follow it. */
    public static final int RING_IDX = 4;

    public static final int RING_ENTRIES = 8;

    public RxRingLayout {
        checkArgument(
                base >= 0 && base % GuestMemory.PAGE_SIZE == 0,
                "ring base 0x%s is not a page-aligned guest address",
                Long.toHexString(base));
        checkArgument(
                queueSize >= 2 && queueSize <= 32768 && Integer.bitCount(queueSize) == 1,
                "queue size must be a power of two in [2, 32768] but was %s",
                queueSize);
        checkArgument(
                bufferSize >= 64 && bufferSize <= 65536 && bufferSize % 8 == 0,
                "buffer size must be a multiple of 8 in [64, 65536] but was %s",
                bufferSize);
    }

    /** The default queue placed in the middle of {@code memory}, away from a low working set. */
    public static RxRingLayout centeredIn(GuestMemory memory) {
        long base = (memory.size() / 2) & -(64L << 10);
        RxRingLayout layout = new RxRingLayout(base, DEFAULT_QUEUE_SIZE, DEFAULT_BUFFER_SIZE);
        checkArgument(
                layout.fitsIn(memory),
                "guest RAM of %s bytes is too small for a vhost-net queue of %s bytes",
                memory.size(),
                layout.size());
        return layout;
    }

    public long driverState() {
        return base;
    }

    public long descTable() {
        return base + GuestMemory.PAGE_SIZE;
    }

    public long availRing() {
        return descTable() + pageAligned((long) queueSize * DESCRIPTOR);
    }

    public long usedRing() {
        return availRing() + pageAligned(RING_ENTRIES + 4L * queueSize);
    }

    public long buffers() {
        return usedRing() + pageAligned(RING_ENTRIES + 8L * queueSize);
    }

    /** Guest address of descriptor {@code id}. */
    public long descriptor(int id) {
        return descTable() + (long) id * DESCRIPTOR;
    }

    /** Guest address of the available-ring entry for free-running index {@code idx}. */
    public long availEntry(int idx) {
        return availRing() + RING_ENTRIES + 4L * (idx & (queueSize - 1));
    }

    /** Guest address of the used-ring entry for free-running index {@code idx}. */
    public long usedEntry(int idx) {
        return usedRing() + RING_ENTRIES + 8L * (idx & (queueSize - 1));
    }

    /** Guest address of buffer {@code id}. */
    public long buffer(int id) {
        return buffers() + (long) id * bufferSize;
    }

    /** Bytes the queue occupies, whole pages. */
    public long size() {
        return buffers() - base + pageAligned((long) queueSize * bufferSize);
    }

    public boolean fitsIn(GuestMemory memory) {
        return memory.contains(base, size());
    }

    /** Whether guest address {@code address} lies in the queue's pages. */
    public boolean contains(long address) {
        return address >= base && address - base < size();
    }

    private static long pageAligned(long bytes) {
        return (bytes + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
    }
}
