package io.ferry.ram.internal;

import static io.ferry.machine.GuestMemory.PAGE_SIZE;

import com.google.common.base.Throwables;
import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.KnownZeroPages;
import io.ferry.machine.PageViews;
import io.ferry.machine.RamBlock;
import io.ferry.machine.RunState;
import io.ferry.machine.WritesHeld;
import io.ferry.pipeline.ChunkSink;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.RamSection;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The source half of RAM pre-copy. Dirty pages go out gathered into one write per batch (a small
 * run table, then up to 512 KiB of page data), with no allocation per page. Zero pages travel as
 * run entries with no data; a page the memory knows is zero ({@link KnownZeroPages}) is not even
 * read, the others are checked with a vectorized compare.
 *
 * <p>While the machine runs, page data is copied into a staging buffer first: a vCPU may
 * change a page between the frame's checksum and the socket's read of it, so the checksum must
 * cover a copy (a torn copy is harmless: the page is dirty again and goes out in a later pass).
 * While the vCPUs are stopped (a paused machine, or the final pass), with one channel, no
 * bandwidth limit ({@link ChunkSink#emitsAtOnce()}) and neither compression nor XBZRLE in the
 * pass, the batch instead gathers the pages from guest RAM itself, and is written while every
 * other writer of the memory is held ({@link GuestMemory#holdWrites()}), so nothing can change
 * them between checksum and socket. That saves a copy of every page: 1 GiB of random pages
 * from a paused machine went over loopback in medians of 270-324 ms against 323-404 ms staged
 * (ARCHITECTURE.md, "The RAM data path").
 *
 * <p>With compression on, batches are compressed on a helper thread while the migration thread
 * builds the next one and sends the one before, and the link, the compressor and the page scan
 * overlap instead of taking turns. Batches go out in the order
 * they were built.
 *
 * <p>An emitted batch belongs to the sink until it is written: on a several-channel migration the
 * batches for channels 1.. are written by those channels' threads while this one builds the next.
 * Batches come from a pool of at most {@link #MAX_BATCHES}, so the staging memory stays bounded;
 * with one channel and no compression one batch is used over and over.
 *
 * <p>One instance per migration; used by the migration thread (and, for compression only, its
 * helper; for writing, the channels' threads).
 */
final class RamSender {
    private static final System.Logger LOG = System.getLogger(RamSender.class.getName());
    /**
     * Pages of data a batch carries at most: 512 KiB, as QEMU's multifd packets (128 pages). A
     * batch's data is read twice on each side (checksum, then the socket's or the apply's copy),
     * and at 512 KiB the second read comes from the core's L2 cache: about a fifth faster than 1 MiB
     * batches for 1 GiB of random pages from a paused machine, on a host with 1 MiB of L2 per core
     * (ARCHITECTURE.md, "The RAM data path").
     */
    static final int MAX_NORMAL_PAGES = 128;

    static final int MAX_RUNS = 1020;
    /** A delta larger than this goes as a normal page instead: it would save too little. */
    static final int DELTA_LIMIT = PAGE_SIZE / 2;
    /** Batches built and not yet written, at most: the one being built, one compressing, the rest queued on channels. */
    static final int MAX_BATCHES = 4;

    private static final long POLL_MILLIS = 100;

    private final GuestMemory memory;
    private final PageViews views;
    private final KnownZeroPages knownZero;
    private DirtyBitmap bitmap;
    private long cursor;
    private int maxNormalPages = MAX_NORMAL_PAGES;
    private PageBatch current;
    private final BlockingQueue<PageBatch> free =
            new LinkedBlockingQueue<>(); // given back by whichever thread wrote them
    private int batches; // allocated so far

    // Compression only: the codec, the helper thread, and the batch it is compressing.
    private PageCodec codec;
    private ExecutorService compressor;
    private PageBatch inFlight;
    private Future<?> compressing;

    // XBZRLE only (pass 2 on): the cache of pages as sent, a stable copy of the page being encoded, its delta.
    private XbzrleCache cache;
    private final ByteBuffer pageCopy = ByteBuffer.allocateDirect(PAGE_SIZE);
    private final ByteBuffer delta = ByteBuffer.allocateDirect(DELTA_LIMIT);
    private boolean deltas;
    private boolean gather; // this pass's batches gather their pages from guest RAM
    private long hitsRecorded; // cache hits and misses already given to the figures
    private long missesRecorded;

    // The run being built.
    private long runStart = -1;
    private int runCount;
    private int runKind;
    private int runLimit;

    RamSender(GuestMemory memory) {
        this.memory = memory;
        this.views = memory.newPageViews(MAX_NORMAL_PAGES + 1);
        this.knownZero = memory.knownZero();
    }

    /** SETUP: start dirty logging, mark everything dirty, send the block list. */
    void setup(StageContext ctx) throws IOException {
        bitmap = ctx.migrationBitmap();
        int room = ctx.chunks().maxChunkSize() - RamSection.runAt(0, MAX_RUNS);
        maxNormalPages = Math.max(1, Math.min(MAX_NORMAL_PAGES, room / PAGE_SIZE));
        if (ctx.compression() != Compression.none) {
            codec = PageCodec.of(ctx.compression());
            compressor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "ferry-ram-compress");
                t.setDaemon(true);
                return t;
            });
        }
        current = acquire(ctx);
        if (ctx.xbzrleCacheSize() > 0) {
            cache = new XbzrleCache(ctx.xbzrleCacheSize());
        }
        memory.dirtyLog().enable();
        bitmap.setAll();
        ctx.chunks().emit(blockList());
    }

    /** DIRTY_SYNC: merge the vCPU log into the migration bitmap. */
    void sync(StageContext ctx) {
        memory.dirtyLog().drainInto(ctx.migrationBitmap());
    }

    /** ITERATE: send dirty pages until none are left or the pass budget is used. */
    void iterate(StageContext ctx) throws IOException {
        send(ctx, ctx.budget());
    }

    /** COMPLETE (machine stopped): final sync, then every remaining dirty page, then the don't-care pages as zero. */
    void complete(StageContext ctx) throws IOException {
        memory.dirtyLog().drainInto(ctx.migrationBitmap());
        send(ctx, Long.MAX_VALUE);
        sendDontCare(ctx);
    }

    /**
     * Pages discarded at DIRTY_SYNC and not dirtied since go as zero records (no data), so the
     * destination holds zero there rather than whatever an earlier pass sent; the source's memory
     * learns them, to read them as zero in its digest.
     */
    private void sendDontCare(StageContext ctx) throws IOException {
        if (bitmap.discardedCount() == 0) {
            return;
        }
        ChunkSink sink = ctx.chunks();
        for (long page = bitmap.nextDiscarded(0); page >= 0; page = bitmap.nextDiscarded(page + 1)) {
            add(ctx, sink, page, RamSection.RUN_ZERO);
        }
        if (!current.isEmpty() || runCount > 0) {
            flush(ctx, sink);
        }
        drainInFlight(ctx, sink);
        memory.markDontCare(bitmap.discardedPages());
    }

    void cleanup(StageContext ctx) {
        memory.dirtyLog().disable();
        if (cache != null) { // DEBUG: the migration's figures carry the hit rate (MigrationFigures)
            LOG.log(
                    Level.DEBUG,
                    () -> String.format(
                            Locale.ROOT,
                            "XBZRLE: %d hits, %d misses (hit rate %.1f%%)",
                            cache.hits(),
                            cache.misses(),
                            xbzrleHitRate() * 100));
        }
        if (compressor != null) {
            compressor.shutdownNow();
        }
    }

    /** XBZRLE cache hits over lookups so far (pages re-sent from pass 2 on); 0 with no lookup or no cache. */
    double xbzrleHitRate() {
        long lookups = cache == null ? 0 : cache.hits() + cache.misses();
        return lookups == 0 ? 0 : cache.hits() / (double) lookups;
    }

    /** What is left to send: the bitmap plus what the vCPUs dirtied since the last sync. */
    long pendingBytes() {
        DirtyBitmap b = bitmap;
        long pages =
                (b == null ? memory.pages() : b.count()) + memory.dirtyLog().peekCount();
        return pages * PAGE_SIZE;
    }

    private void send(StageContext ctx, long budget) throws IOException {
        ChunkSink sink = ctx.chunks();
        deltas = cache != null && ctx.pass() >= 2; // pass 1 sends all of RAM: caching it would only thrash
        gather = codec == null
                && !deltas
                && sink.emitsAtOnce()
                && ctx.machine().runState() != RunState.RUNNING; // only the migration changes it meanwhile
        current.gatherViews(gather);
        long sent = 0;
        long page = nextDirty();
        while (page >= 0 && sent < budget && !ctx.isCancelled()) {
            if (isZeroWord(page)) {
                bitmap.clearWord(page);
                cursor = page + Long.SIZE;
                sent += addZeroWord(ctx, sink, page);
            } else {
                bitmap.clear(page);
                cursor = page + 1;
                sent += add(
                        ctx,
                        sink,
                        page,
                        knownZero.isKnownZero(page) || views.isZero(page)
                                ? RamSection.RUN_ZERO
                                : RamSection.RUN_NORMAL);
            }
            page = nextDirty();
        }
        if (!current.isEmpty() || runCount > 0) {
            flush(ctx, sink);
        }
        drainInFlight(ctx, sink); // nothing of this call is left behind for the next
        recordCacheLookups(ctx);
    }

    /** Gives the figures the cache lookups since the last call, so the hit rate shows while the migration runs. */
    private void recordCacheLookups(StageContext ctx) {
        if (cache != null && (cache.hits() != hitsRecorded || cache.misses() != missesRecorded)) {
            ctx.recordXbzrle(cache.hits() - hitsRecorded, cache.misses() - missesRecorded);
            hitsRecorded = cache.hits();
            missesRecorded = cache.misses();
        }
    }

    private long nextDirty() {
        long p = bitmap.nextDirty(cursor);
        return p >= 0 ? p : bitmap.nextDirty(0);
    }

    /**
     * Whether {@code page} starts a bitmap word whose 64 pages are all dirty, in one segment, and
     * all zero: then they go as one zero run without 64 trips through {@link #add}.
     */
    private boolean isZeroWord(long page) {
        return (page & (Long.SIZE - 1)) == 0
                && bitmap.isWordFull(page)
                && views.contiguousPages(page, Long.SIZE) == Long.SIZE
                && (knownZero.isKnownZero(page, Long.SIZE) || views.isZero(page, Long.SIZE));
    }

    private long addZeroWord(StageContext ctx, ChunkSink sink, long page) throws IOException {
        long emitted = 0;
        if (runCount > 0
                && runKind == RamSection.RUN_ZERO
                && page == runStart + runCount
                && runCount + Long.SIZE <= runLimit) {
            runCount += Long.SIZE;
        } else {
            closeRun();
            if (current.runs() == MAX_RUNS) {
                emitted += flush(ctx, sink);
            }
            openRun(page, RamSection.RUN_ZERO);
            runCount = Long.SIZE;
        }
        return emitted;
    }

    /**
     * Adds one page as a run of {@code kind} (or as a delta, for a normal page that has one),
     * emitting a batch when one is full; returns the bytes emitted.
     */
    private long add(StageContext ctx, ChunkSink sink, long page, int kind) throws IOException {
        long emitted = 0;
        if (kind == RamSection.RUN_NORMAL && deltas && encodeDelta(page)) {
            closeRun();
            if (current.runs() == MAX_RUNS || !current.hasRoomForDelta()) {
                emitted += flush(ctx, sink);
            }
            current.addDelta(page, delta);
            cache.put(page, pageCopy);
            return emitted;
        }
        if (runCount > 0 && kind == runKind && page == runStart + runCount && runCount < runLimit) {
            runCount++;
        } else {
            closeRun();
            if (current.runs() == MAX_RUNS || (kind == RamSection.RUN_NORMAL && current.pagesOfRoom() == 0)) {
                emitted += flush(ctx, sink);
            }
            openRun(page, kind);
        }
        if (kind == RamSection.RUN_NORMAL
                && (current.normalPages() + runCount == maxNormalPages || runCount == current.pagesOfRoom())) {
            emitted += flush(ctx, sink);
        }
        return emitted;
    }

    /**
     * Whether {@code page} is cached and its delta against the cache fits the limit; the page is
     * first copied, so the delta and the cache agree even if a vCPU writes it meanwhile.
     */
    private boolean encodeDelta(long page) {
        ByteBuffer old = cache.lookup(page);
        if (old == null) {
            return false;
        }
        ByteBuffer v = views.view(page, 1);
        pageCopy.clear().put(0, v, v.position(), PAGE_SIZE);
        delta.clear();
        if (Xbzrle.encode(old, pageCopy, PAGE_SIZE, delta, DELTA_LIMIT) <= 0) {
            return false; // too different, or unchanged (then it was rewritten with the same bytes: send it whole)
        }
        delta.flip();
        return true;
    }

    private void openRun(long page, int kind) {
        runStart = page;
        runCount = 1;
        runKind = kind;
        // A normal run is one view: it must stay in one segment and fit the batch's data budget.
        runLimit = views.contiguousPages(
                page,
                kind == RamSection.RUN_NORMAL
                        ? Math.min(maxNormalPages - current.normalPages(), current.pagesOfRoom())
                        : Integer.MAX_VALUE);
    }

    private void closeRun() {
        if (runCount == 0) {
            return;
        }
        int staged = current.addRun(
                runStart, runCount, runKind, runKind == RamSection.RUN_NORMAL ? views.view(runStart, runCount) : null);
        if (deltas) { // the cache holds each page as the destination will have it
            for (int i = 0; i < runCount; i++) {
                if (staged >= 0) {
                    cache.put(runStart + i, current.stagedPage(staged + i * PAGE_SIZE));
                } else {
                    cache.invalidate(runStart + i);
                }
            }
        }
        runCount = 0;
    }

    /**
     * Ends the current batch. Without compression it goes out now. With it, the batch compressed
     * before goes out and this one is handed to the compressor. A free batch is built next.
     * Returns the bytes emitted.
     */
    private long flush(StageContext ctx, ChunkSink sink) throws IOException {
        closeRun();
        long emitted;
        if (compressor == null) {
            emitted = current.isGathering() ? emitHoldingWrites(ctx, sink) : current.emit(ctx, sink);
        } else {
            emitted = drainInFlight(ctx, sink);
            PageBatch batch = current;
            PageCodec c = codec;
            compressing = compressor.submit(() -> batch.compress(c));
            inFlight = batch;
        }
        current = acquire(ctx);
        current.gatherViews(gather);
        return emitted;
    }

    /** Emits the current, gathering batch while the memory's other writers are held: its pages are the frame's data. */
    private long emitHoldingWrites(StageContext ctx, ChunkSink sink) throws IOException {
        try (WritesHeld held = memory.holdWrites()) {
            return current.emit(ctx, sink);
        }
    }

    /** A free batch: one given back, else a new one while fewer than {@link #MAX_BATCHES} exist, else the next given back. */
    private PageBatch acquire(StageContext ctx) throws IOException {
        PageBatch b = free.poll();
        if (b != null) {
            return b;
        }
        if (batches < MAX_BATCHES) {
            batches++;
            return new PageBatch(MAX_RUNS, maxNormalPages, codec, free::add);
        }
        try {
            while ((b = free.poll(POLL_MILLIS, TimeUnit.MILLISECONDS)) == null) {
                if (ctx.isCancelled()) {
                    throw new InterruptedIOException("migration cancelled while RAM batches were being written");
                }
            }
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a RAM batch to be written");
        }
    }

    /** Waits for the batch being compressed, if any, and emits it; returns the bytes emitted. */
    private long drainInFlight(StageContext ctx, ChunkSink sink) throws IOException {
        if (inFlight == null) {
            return 0;
        }
        try {
            compressing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing RAM pages");
        } catch (ExecutionException e) {
            Throwables.throwIfUnchecked(e.getCause());
            throw new IOException("compressing RAM pages failed", e.getCause());
        }
        PageBatch batch = inFlight;
        inFlight = null;
        return batch.emit(ctx, sink);
    }

    private ByteBuffer blockList() {
        int size = 3;
        for (RamBlock b : memory.blocks()) {
            size += 2 + b.name().getBytes(StandardCharsets.UTF_8).length + 8;
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(RamSection.BLOCKS).putShort((short)
                memory.blocks().size());
        for (RamBlock b : memory.blocks()) {
            byte[] name = b.name().getBytes(StandardCharsets.UTF_8);
            out.putShort((short) name.length).put(name).putLong(b.size());
        }
        return out.flip();
    }
}
