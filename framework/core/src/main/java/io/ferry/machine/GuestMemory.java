package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Guest RAM: named {@link RamBlock}s laid out back to back in one flat guest address space,
 * 4 KiB pages, all off-heap.
 *
 * <p>There are two ways to write it. {@link #tracked()} is the vCPU path: every write marks its
 * pages in {@link #dirtyLog()} while dirty logging is on. {@link #untracked()} is the device
 * path (DMA): it marks nothing, so a backend that uses it must keep its own {@link DirtyLog}.
 *
 * <p>While the vCPUs are stopped, {@link #holdWrites()} keeps every other writer out for a while.
 *
 * <p>While RAM is {@linkplain #seal() sealed} (after a migration's final RAM pass) every write,
 * on either path, is recorded as a {@link SealBreach} naming its writer: a backend names itself
 * when it obtains its path ({@link #untracked(String)}).
 *
 * <p>A memory belongs to at most one {@link Machine}: the one built over it, until that machine
 * {@linkplain Machine#closeKeepingMemory() hands it on}. {@linkplain Machine#close() Closing} the
 * machine frees the memory, which no machine may take afterwards.
 */
public final class GuestMemory {
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    /** Size of the direct buffers a block is cut into; a power of two, a multiple of the page size. */
    public static final long SEGMENT_SIZE = 1L << 30;
    /** The writer name of the tracked (vCPU) path in a {@link SealBreach}. */
    public static final String VCPU_WRITER = "vcpu";
    /** The writer name of {@link #untracked()}, the path of a device that did not name itself. */
    public static final String UNNAMED_WRITER = "an unnamed device (GuestMemory.untracked())";
    /**
     * The most a reader copies or scans per pass of the {@link WriteGate}'s read gate: the release
     * waits for one such piece, about a millisecond, never for a whole-memory pass.
     */
    static final int READ_PIECE = 1 << 20;

    private final ImmutableList<RamBlock> blocks;
    private final long size;
    private final DirtyLog dirtyLog;
    private final KnownZeroPages knownZero;
    private final MemoryAccess tracked;
    private final MemoryAccess untracked;
    volatile RamSeal seal; // read by every write: one volatile load when not sealed
    /** Entered by a reader of two memories whose identity hashes tie, to enter both gates in one order. */
    private static final Object TIED_GATES = new Object();

    final WriteGate writeGate = new WriteGate(this);
    private volatile DirtyBitmap dontCare; // a private copy; null when none
    /** The machine this memory belongs to; a closed one keeps it (freed), one that handed it on does not. */
    private final AtomicReference<Machine> owner = new AtomicReference<>();

    private GuestMemory(ImmutableList<RamBlock> blocks) {
        this.blocks = blocks;
        this.size = blocks.stream().mapToLong(RamBlock::size).sum();
        this.dirtyLog = new DirtyLog("vcpu", pages());
        this.knownZero = new KnownZeroPages(pages());
        this.tracked = new MemoryAccess(this, dirtyLog, VCPU_WRITER);
        this.untracked = new MemoryAccess(this, null, UNNAMED_WRITER);
    }

    /** One block named {@code "ram"} of {@code size} bytes. */
    public static GuestMemory of(long size) {
        return builder().block("ram", size).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<RamBlock> blocks() {
        return blocks;
    }

    public Optional<RamBlock> block(String name) {
        return blocks.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** Total bytes of guest RAM. */
    public long size() {
        return size;
    }

    public long pages() {
        return size / PAGE_SIZE;
    }

    /** The vCPU dirty log, written by {@link #tracked()}. */
    public DirtyLog dirtyLog() {
        return dirtyLog;
    }

    /** The pages known to be zero without reading them: fresh, or last written by a whole-page zero fill. */
    public KnownZeroPages knownZero() {
        return knownZero;
    }

    /** A bitmap the size of this memory, all clean. */
    public DirtyBitmap newBitmap() {
        return new DirtyBitmap(pages());
    }

    /** The vCPU write path: marks written pages in {@link #dirtyLog()}. */
    public MemoryAccess tracked() {
        return tracked;
    }

    /**
     * The device (DMA) write path: marks nothing. Fine for reading; a device that writes should
     * use {@link #untracked(String)}, so a write made while RAM is sealed names it.
     */
    public MemoryAccess untracked() {
        return untracked;
    }

    /**
     * The device (DMA) write path of {@code writer} (a device or backend name, such as
     * {@code "vhost-net0"}): marks nothing, and a write made while RAM is sealed is recorded
     * under this name.
     */
    public MemoryAccess untracked(String writer) {
        checkArgument(writer != null && !writer.isBlank(), "an untracked writer needs a name");
        return new MemoryAccess(this, null, writer);
    }

    /**
     * Seals guest RAM: from now until {@link #unseal()}, the first write through any path is
     * kept as a {@link #sealBreach()}. The write itself still happens: the migration that sealed
     * RAM fails instead, and the running source keeps what was written.
     */
    public void seal() {
        seal = new RamSeal();
    }

    /**
     * Holds every write but a vCPU's until the returned hold is closed: a write in progress ends
     * first, and a write that starts meanwhile waits. For a reader that must see pages unchanged
     * for a while without copying them (RAM's sender hands guest pages to the socket itself, and
     * the frame's checksum must match what the socket reads). vCPU writes are not held, so call
     * it only while the vCPUs are stopped (a machine not {@link RunState#RUNNING}), and close it
     * soon: a device writing guest RAM waits meanwhile. Reads do not wait: they pass a gate of their
     * own, which only the memory's release closes.
     */
    public WritesHeld holdWrites() {
        return writeGate.hold();
    }

    /** Ends the seal and forgets its breach. */
    public void unseal() {
        seal = null;
    }

    public boolean isSealed() {
        return seal != null;
    }

    /** The first write made while sealed, if any (empty when not sealed). */
    public Optional<SealBreach> sealBreach() {
        RamSeal s = seal;
        return s == null ? Optional.empty() : s.breach();
    }

    /** The block holding guest address {@code address}. */
    public RamBlock blockAt(long address) {
        if (address < 0 || address >= size) { // hot path: no message built unless it fails
            throw new IllegalArgumentException(
                    String.format("guest address 0x%x outside guest RAM [0, 0x%x)", address, size));
        }
        // Few blocks: a linear scan beats a search structure here.
        for (RamBlock b : blocks) {
            if (address < b.base() + b.size()) {
                return b;
            }
        }
        throw new AssertionError("unreachable: address checked against size");
    }

    /** Whether {@code [address, address + length)} lies inside guest RAM. */
    public boolean contains(long address, long length) {
        return address >= 0 && length >= 0 && address <= size - length;
    }

    /**
     * The first guest address in {@code [address, address + length)} whose byte is not zero, or -1
     * if the whole range is zero. A vectorized scan.
     */
    public long firstNonZero(long address, long length) {
        checkArgument(
                contains(address, length), "range [0x%s, +%s) outside guest RAM", Long.toHexString(address), length);
        long end = address + length;
        for (long at = address; at < end; ) {
            long from = at;
            int n = pieceLength(at, end - at);
            long m = gated(() -> firstNonZeroIn(piece(from, n)));
            if (m >= 0) {
                return at + m;
            }
            at += n;
        }
        return -1;
    }

    /** The index in {@code piece} (from its position) of its first byte that is not zero, or -1. */
    private static long firstNonZeroIn(ByteBuffer piece) {
        ByteBuffer zeros = PageViews.ZERO_PAGE.duplicate(); // one page: it stays in L1 while the scan streams
        int start = piece.position();
        int end = piece.limit();
        for (int i = start; i < end; i += zeros.capacity()) {
            int k = Math.min(zeros.capacity(), end - i);
            zeros.limit(k).position(0);
            piece.limit(i + k).position(i);
            int m = piece.mismatch(zeros);
            if (m >= 0) {
                return i - start + m;
            }
        }
        return -1;
    }

    /**
     * Records the don't-care pages of a completed migration: pages the guest declared free (and
     * did not write again) that were sent as zero pages. {@link #digest()} and the testkit's state
     * assertions read them as zero. Cleared when the machine runs again.
     */
    public void markDontCare(DirtyBitmap pages) {
        checkArgument(pages.pages() == pages(), "bitmap covers %s pages, memory has %s", pages.pages(), pages());
        DirtyBitmap copy = new DirtyBitmap(pages.pages());
        for (long p = pages.nextDirty(0); p >= 0; p = pages.nextDirty(p + 1)) {
            copy.set(p);
        }
        dontCare = copy.isEmpty() ? null : copy;
    }

    /** Forgets the don't-care pages (the guest runs again and may use them). */
    public void clearDontCare() {
        dontCare = null;
    }

    /** Whether {@code page} is a don't-care page of the last completed migration. */
    public boolean isDontCare(long page) {
        DirtyBitmap d = dontCare;
        return d != null && d.get(page);
    }

    /** Number of don't-care pages (see {@link #markDontCare}). */
    public long dontCareCount() {
        DirtyBitmap d = dontCare;
        return d == null ? 0 : d.count();
    }

    /** A pool of reusable page views for the migration data path (see {@link PageViews}). */
    public PageViews newPageViews(int capacity) {
        return new PageViews(this, capacity);
    }

    /**
     * A digest of every byte of guest RAM (block names, sizes and contents), for comparing two
     * machines in different processes: SHA-256 per 16 MiB piece, computed in parallel on the common
     * pool, folded into SHA-256 with the layout, so two different memories cannot be made to digest
     * alike. Don't-care pages are read as zero, as the destination holds them. Each 1 MiB step
     * passes the read gate: the memory's release waits for it, a hold of writes does not.
     */
    public String digest() {
        return MemoryDigest.of(this);
    }

    /** Whether this memory has the same layout and byte-for-byte the same contents as {@code other}. */
    public boolean contentEquals(GuestMemory other) {
        return firstDifference(other).isEmpty();
    }

    /** The first guest address where this memory and {@code other} differ, or empty if they are equal. */
    public Optional<Long> firstDifference(GuestMemory other) {
        return firstDifference(other, 0);
    }

    /** The first guest address at or after {@code from} where this memory and {@code other} differ. */
    public Optional<Long> firstDifference(GuestMemory other, long from) {
        checkArgument(layoutEquals(other), "layouts differ: %s vs %s", blocks, other.blocks);
        for (long at = Math.max(0, from); at < size; ) {
            long start = at;
            int n = pieceLength(at, size - at); // the same layout: the same segments in other
            long m = gated(other, () -> piece(start, n).mismatch(other.piece(start, n)));
            if (m >= 0) {
                return Optional.of(at + m);
            }
            at += n;
        }
        return Optional.empty();
    }

    /** Whether {@code other} has blocks of the same names and sizes in the same order. */
    public boolean layoutEquals(GuestMemory other) {
        if (blocks.size() != other.blocks.size()) {
            return false;
        }
        for (int i = 0; i < blocks.size(); i++) {
            if (!blocks.get(i).name().equals(other.blocks.get(i).name())
                    || blocks.get(i).size() != other.blocks.get(i).size()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes {@code machine} this memory's owner. A machine's vCPUs pass none of its memory's gates,
     * which is sound only while one machine stops, ends and frees what they touch: a second owner's
     * close would free RAM under the first one's vCPUs, and two migrations would drain one dirty log.
     *
     * @throws IllegalArgumentException if a machine owns it already, or kept it at its close
     */
    void adopt(Machine machine) {
        Machine previous = owner.compareAndExchange(null, machine);
        if (previous != null) {
            throw new IllegalArgumentException(String.format(
                    "machine %s cannot be built over %s: it belongs to %s, and a guest memory belongs to one"
                            + " machine (a closed machine frees its memory; Machine.closeKeepingMemory() hands it on)",
                    machine.name(), this, previous));
        }
    }

    /** Lets {@code machine}, whose vCPUs have ended, give this memory up unfreed for another machine to adopt. */
    void disown(Machine machine) {
        owner.compareAndSet(machine, null);
    }

    /** Frees every block now (see {@link Machine#close()}); the memory must not be used afterwards. */
    void release() {
        // Writes held: a device's write in progress ends before its segment is freed, and one that
        // starts later finds no segment (IllegalStateException), never freed memory.
        writeGate.release(() -> blocks.forEach(RamBlock::release));
    }

    /**
     * The segment holding {@code address}. Its callers read or write it inside the {@link
     * WriteGate}: the release frees it. (PageViews, the migration's data path, takes segments
     * without the gate: it runs under the machine's migration claim, and the release waits for it.)
     */
    ByteBuffer segmentFor(long address) {
        RamBlock b = blockAt(address);
        return b.segmentAt(address - b.base());
    }

    /** How many bytes from {@code address} on, up to {@code max} and {@link #READ_PIECE}, lie in one segment. */
    int pieceLength(long address, long max) {
        RamBlock b = blockAt(address);
        long inSegment = (address - b.base()) & (SEGMENT_SIZE - 1);
        long segmentLeft = Math.min(SEGMENT_SIZE - inSegment, b.base() + b.size() - address);
        return (int) Math.min(Math.min(max, segmentLeft), READ_PIECE);
    }

    /**
     * A duplicate of the segment holding {@code address}, positioned there with {@code length}
     * bytes remaining (within the segment: see {@link #pieceLength}). Only inside the gate, and
     * read before leaving it: the release frees the segment.
     */
    ByteBuffer piece(long address, int length) {
        ByteBuffer seg = segmentFor(address).duplicate();
        int off = (int) ((address - blockAt(address).base()) & (SEGMENT_SIZE - 1));
        return seg.limit(off + length).position(off);
    }

    /** Runs {@code read} inside the gate: the release waits for it, and after the release it finds no segment. */
    long gated(LongSupplier read) {
        boolean entered = writeGate.enterRead();
        try {
            return read.getAsLong();
        } finally {
            writeGate.exitRead(entered);
        }
    }

    /** Runs {@code read} inside this memory's gate and {@code other}'s. */
    private long gated(GuestMemory other, LongSupplier read) {
        // Both read gates, in one order for any pair: two readers of a pair in opposite directions,
        // each behind a queued release, would otherwise wait for each other (ties, vanishingly rare,
        // take one lock; the same memory twice enters this one first: a reader may enter twice).
        int mine = System.identityHashCode(this);
        int theirs = System.identityHashCode(other);
        if (mine == theirs && other != this) {
            synchronized (TIED_GATES) { // no order between the two: one such pair at a time
                return gated(() -> other.gated(read));
            }
        }
        GuestMemory first = theirs < mine ? other : this;
        GuestMemory second = theirs < mine ? this : other;
        return first.gated(() -> second.gated(read));
    }

    @Override
    public String toString() {
        return "GuestMemory" + blocks;
    }

    /** Builds a {@link GuestMemory} block by block. */
    public static final class Builder {
        private final ImmutableList.Builder<RamBlock> blocks = ImmutableList.builder();
        private final Set<String> names = new HashSet<>();
        private long next;
        private int index;

        private Builder() {}

        /**
         * Adds a block after the previous ones. Its size must be a positive multiple of 4 KiB.
         *
         * @throws GuestMemoryTooLargeException if the JVM's direct memory or the host cannot hold it
         */
        public Builder block(String name, long size) {
            checkNotNull(name, "name");
            checkArgument(!name.isEmpty() && name.length() <= 255, "block name must be 1..255 characters: '%s'", name);
            checkArgument(names.add(name), "duplicate block name '%s'", name);
            HostMemory.checkFits(size);
            blocks.add(new RamBlock(name, index++, next, size));
            next += size;
            return this;
        }

        public GuestMemory build() {
            ImmutableList<RamBlock> list = blocks.build();
            checkArgument(!list.isEmpty(), "guest memory needs at least one block");
            return new GuestMemory(list);
        }
    }
}
