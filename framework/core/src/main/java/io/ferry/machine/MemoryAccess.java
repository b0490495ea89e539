package io.ferry.machine;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * Reads and writes guest RAM at flat guest addresses. The tracked instance marks every page it
 * writes in the vCPU dirty log (after the data is written); the untracked one marks nothing.
 * Accesses may span pages, segments and blocks. Thread-safe as far as the underlying memory is:
 * concurrent writers of the same bytes race as they would on real hardware. Every access but one
 * by a vCPU of this memory's machine passes a gate (see WriteGate): a write waits while
 * {@link GuestMemory#holdWrites() writes are held}, a read only while the memory is being freed
 * ({@link Machine#close()}); either ends before the memory is freed, and one made after that is
 * refused ({@link IllegalStateException}). Reads pay a read lock per call (the machine's vCPUs
 * none), per {@code GuestMemory.READ_PIECE} for a long one.
 */
public final class MemoryAccess {
    private final GuestMemory memory;
    private final DirtyLog log;
    private final String writer;

    MemoryAccess(GuestMemory memory, DirtyLog log, String writer) {
        this.memory = memory;
        this.log = log;
        this.writer = writer;
    }

    /** Who writes through this path, as a {@link SealBreach} names it. */
    public String writer() {
        return writer;
    }

    /** Whether writes through this path are marked in the vCPU dirty log. */
    public boolean isTracked() {
        return log != null;
    }

    public long readLong(long address) {
        checkRange(address, Long.BYTES);
        if (sameSegment(address, Long.BYTES)) {
            boolean entered = memory.writeGate.enterRead(); // the release waits: no read of freed memory
            try {
                return memory.segmentFor(address).getLong(offsetInSegment(address));
            } finally {
                memory.writeGate.exitRead(entered);
            }
        }
        ByteBuffer tmp = ByteBuffer.allocate(Long.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        read(address, tmp);
        return tmp.flip().getLong();
    }

    public int readInt(long address) {
        checkRange(address, Integer.BYTES);
        if (sameSegment(address, Integer.BYTES)) {
            boolean entered = memory.writeGate.enterRead(); // the release waits: no read of freed memory
            try {
                return memory.segmentFor(address).getInt(offsetInSegment(address));
            } finally {
                memory.writeGate.exitRead(entered);
            }
        }
        ByteBuffer tmp = ByteBuffer.allocate(Integer.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        read(address, tmp);
        return tmp.flip().getInt();
    }

    public void writeLong(long address, long value) {
        checkRange(address, Long.BYTES);
        if (sameSegment(address, Long.BYTES)) {
            boolean entered = memory.writeGate.enter();
            try {
                memory.segmentFor(address).putLong(offsetInSegment(address), value);
                markWritten(address, Long.BYTES); // inside the gate: see write()
            } finally {
                memory.writeGate.exit(entered);
            }
        } else {
            write(
                    address,
                    ByteBuffer.allocate(Long.BYTES)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .putLong(0, value));
        }
    }

    public void writeInt(long address, int value) {
        checkRange(address, Integer.BYTES);
        if (sameSegment(address, Integer.BYTES)) {
            boolean entered = memory.writeGate.enter();
            try {
                memory.segmentFor(address).putInt(offsetInSegment(address), value);
                markWritten(address, Integer.BYTES); // inside the gate: see write()
            } finally {
                memory.writeGate.exit(entered);
            }
        } else {
            write(
                    address,
                    ByteBuffer.allocate(Integer.BYTES)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .putInt(0, value));
        }
    }

    /** Copies the remaining bytes of {@code src} to {@code address}; consumes {@code src}. */
    public void write(long address, ByteBuffer src) {
        int length = src.remaining();
        checkRange(address, length);
        boolean entered = memory.writeGate.enter();
        try {
            long at = address;
            while (src.hasRemaining()) {
                ByteBuffer seg = memory.segmentFor(at);
                int off = offsetInSegment(at);
                int n = Math.min(src.remaining(), seg.capacity() - off);
                int limit = src.limit();
                src.limit(src.position() + n);
                seg.put(off, src, src.position(), n);
                src.position(src.limit()).limit(limit);
                at += n;
            }
            // Inside the gate: once writes are held, every write whose data landed has its marks and
            // its seal breach, so the check before COMMIT sees it.
            markWritten(address, length);
        } finally {
            memory.writeGate.exit(entered);
        }
    }

    /** Fills {@code [address, address + length)} with zeros. */
    public void zero(long address, long length) {
        checkRange(address, length);
        long firstWhole = (address + GuestMemory.PAGE_SIZE - 1) >>> GuestMemory.PAGE_SHIFT;
        long endWhole = (address + length) >>> GuestMemory.PAGE_SHIFT;
        boolean entered = memory.writeGate.enter();
        try {
            if (endWhole > firstWhole) { // inside the gate, before the zeros: see KnownZeroPages
                memory.knownZero().markZeroed(firstWhole, endWhole - firstWhole);
            }
            long at = address;
            long end = address + length;
            while (at < end) {
                ByteBuffer seg = memory.segmentFor(at);
                int off = offsetInSegment(at);
                int n = (int) Math.min(end - at, seg.capacity() - off);
                for (int i = 0; i < n; i += PageViews.ZERO_PAGE.capacity()) {
                    int k = Math.min(PageViews.ZERO_PAGE.capacity(), n - i);
                    seg.put(off + i, PageViews.ZERO_PAGE, 0, k);
                }
                at += n;
            }
            VarHandle.fullFence(); // the zeros before the dirty log's look at its bits (see DirtyLog.mark)
            markDirtyFenced(address, length); // a partly zeroed page keeps what it was known as
        } finally {
            memory.writeGate.exit(entered);
        }
    }

    /** Fills the remaining space of {@code dst} from {@code address}. */
    public void read(long address, ByteBuffer dst) {
        checkRange(address, dst.remaining());
        long at = address;
        while (dst.hasRemaining()) {
            // Gated piece by piece, not for the whole call: the release waits for one piece at most,
            // and a release between pieces is seen at the next.
            boolean entered = memory.writeGate.enterRead();
            try {
                at += readPiece(at, dst);
            } finally {
                memory.writeGate.exitRead(entered);
            }
        }
    }

    /** Copies at most one {@code GuestMemory.READ_PIECE} from {@code at}, within one segment; returns its length. */
    private int readPiece(long at, ByteBuffer dst) {
        ByteBuffer seg = memory.segmentFor(at); // fetched inside the gate: null once released
        int off = offsetInSegment(at);
        int n = Math.min(Math.min(dst.remaining(), seg.capacity() - off), GuestMemory.READ_PIECE);
        dst.put(dst.position(), seg, off, n);
        dst.position(dst.position() + n);
        return n;
    }

    private void markWritten(long address, long length) {
        // One fence orders the data before both maps' looks at their bits (KnownZeroPages, DirtyLog.mark say why).
        VarHandle.fullFence();
        if (length > 0) {
            long first = address >>> GuestMemory.PAGE_SHIFT;
            long last = (address + length - 1) >>> GuestMemory.PAGE_SHIFT;
            memory.knownZero().markWritten(first, last - first + 1);
        }
        markDirtyFenced(address, length);
    }

    /** Marks the pages dirty and records a seal breach; call it after the data and a full fence. */
    private void markDirtyFenced(long address, long length) {
        if (log != null && length > 0) {
            long first = address >>> GuestMemory.PAGE_SHIFT;
            long last = (address + length - 1) >>> GuestMemory.PAGE_SHIFT;
            long added = log.markRangeFenced(first, last - first + 1);
            if (added > 0 && Thread.currentThread() instanceof Vcpu.VcpuThread v && v.memory == memory) {
                v.dirtied += added; // what dirty-limit paces by
            }
        }
        RamSeal s = memory.seal; // the one check on the fast path
        if (s != null && length > 0) {
            s.record(writer, address);
        }
    }

    private void checkRange(long address, long length) {
        if (!memory.contains(address, length)) { // hot path: no message built unless it fails
            throw new IllegalArgumentException(
                    String.format("access [0x%x, +%d) outside guest RAM of %d bytes", address, length, memory.size()));
        }
    }

    private static boolean sameSegment(long address, int length) {
        // Blocks and segments are page-aligned, so an access within one page crosses neither.
        return (address & (GuestMemory.PAGE_SIZE - 1)) + length <= GuestMemory.PAGE_SIZE;
    }

    private int offsetInSegment(long address) {
        RamBlock b = memory.blockAt(address);
        return (int) ((address - b.base()) & (GuestMemory.SEGMENT_SIZE - 1));
    }
}
