package io.ferry.ram.internal;

import static com.google.common.base.Preconditions.checkState;
import static io.ferry.machine.GuestMemory.PAGE_SIZE;

import io.ferry.pipeline.ChunkSink;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.RamSection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One RAM batch being built and sent: the run table, and the normal runs' data, either copied
 * into a 512 KiB staging buffer or, in a gathering batch, left in guest RAM as views of it. A
 * staged copy is what the frame's CRC covers while the machine runs (a vCPU may change a page
 * before the socket reads it), and what a compressor works on. A gathering batch is only built
 * while the vCPUs are stopped, and is emitted while the memory's other writers are held
 * ({@link io.ferry.machine.GuestMemory#holdWrites()}), so the pages cannot change between the
 * checksum and the socket's read. Emitted as one chunk gathered from the run table and the
 * data (staged pages and XBZRLE delta records in run order, the compressed data when a codec made
 * it smaller, or the views). Reused from batch to batch: no allocation per page or per batch.
 * Once emitted, the batch belongs to the sink until it is written (on a several-channel
 * migration's writer thread, perhaps); then it empties itself and goes back to its pool.
 */
final class PageBatch {
    /** Room a delta record may take: its u16 length and at most a page. */
    static final int MAX_DELTA_RECORD = 2 + PAGE_SIZE;

    private final ByteBuffer header;
    private final ByteBuffer[] parts; // the run table, then the data: one staged buffer, or a view per normal run
    private final ByteBuffer staging;
    private final ByteBuffer stagedView;
    private final ByteBuffer pageView;
    private final ByteBuffer compressed; // codec byte, then the compressed data; null without a codec
    private int stagedBytes;
    private boolean gathering;
    private int views; // normal runs gathered as views, in parts[1..views]
    private int gatheredBytes;
    private int runs;
    private int normalPages;
    private int deltaPages;
    private int zeroPages;
    private boolean useCompressed;
    private final Runnable release;

    /**
     * A batch of at most {@code maxRuns} runs and {@code maxNormalPages} pages of data (delta
     * records included), given back to {@code pool} empty once an emitted batch was written.
     */
    PageBatch(int maxRuns, int maxNormalPages, PageCodec codec, Consumer<PageBatch> pool) {
        release = () -> {
            clear();
            pool.accept(this);
        };
        header = ByteBuffer.allocateDirect(RamSection.runAt(0, maxRuns));
        parts = new ByteBuffer[1 + maxNormalPages];
        staging = ByteBuffer.allocateDirect(maxNormalPages * PAGE_SIZE);
        stagedView = staging.duplicate();
        pageView = staging.duplicate();
        compressed =
                codec == null ? null : ByteBuffer.allocateDirect(1 + codec.maxCompressedLength(staging.capacity()));
    }

    int runs() {
        return runs;
    }

    int normalPages() {
        return normalPages;
    }

    boolean isEmpty() {
        return runs == 0;
    }

    /** Whole pages the batch still has room for (delta records use room too). */
    int pagesOfRoom() {
        return (staging.capacity() - stagedBytes - gatheredBytes) / PAGE_SIZE;
    }

    /** Whether the normal runs of this (empty) batch are to be gathered from guest RAM instead of staged. */
    void gatherViews(boolean on) {
        checkState(isEmpty(), "a batch's way of holding its data is chosen while it is empty");
        gathering = on;
    }

    boolean isGathering() {
        return gathering;
    }

    /** Whether a delta record of up to a page still fits the staging buffer. */
    boolean hasRoomForDelta() {
        return staging.capacity() - stagedBytes >= MAX_DELTA_RECORD;
    }

    /**
     * Adds a normal or zero run; a normal run's pages are copied from {@code view} into the
     * staging buffer, or, in a gathering batch, {@code view} itself is kept (it must stay valid
     * until the batch is written: {@link io.ferry.machine.PageViews} keeps as many views as a
     * batch has pages). Returns where the staged copy starts (-1 for a zero run or a kept view).
     */
    int addRun(long first, int count, int kind, ByteBuffer view) {
        RamSection.RunEntry.write(header, RamSection.runAt(0, runs), first, count, kind);
        runs++;
        if (kind != RamSection.RUN_NORMAL) {
            zeroPages += count;
            return -1;
        }
        int n = view.remaining();
        if (gathering) {
            parts[1 + views++] = view;
            gatheredBytes += n;
            normalPages += count;
            return -1;
        }
        int at = stagedBytes;
        staging.put(at, view, view.position(), n);
        stagedBytes += n;
        normalPages += count;
        return at;
    }

    /** The staged page at {@code offset} (a reused view: valid until the next call). */
    ByteBuffer stagedPage(int offset) {
        return pageView.limit(offset + PAGE_SIZE).position(offset);
    }

    /** Adds {@code page} as an XBZRLE run whose delta is the remaining bytes of {@code delta} (1..4096). */
    void addDelta(long page, ByteBuffer delta) {
        checkState(!gathering, "XBZRLE deltas are staged, not gathered");
        RamSection.RunEntry.write(header, RamSection.runAt(0, runs), page, 1, RamSection.RUN_XBZRLE);
        runs++;
        int n = delta.remaining();
        staging.putShort(stagedBytes, (short) n).put(stagedBytes + 2, delta, delta.position(), n);
        stagedBytes += 2 + n;
        deltaPages++;
    }

    /**
     * Compresses the staged data (codec byte first) and decides whether the compressed form goes
     * out: only when it is smaller. May run on another thread than the one that built the batch,
     * as long as it is handed over with a happens-before edge (a Future).
     */
    void compress(PageCodec codec) {
        useCompressed = false;
        checkState(!gathering, "a gathering batch is not compressed");
        if (stagedBytes == 0 || deltaPages > 0) { // deltas travel uncompressed (docs/stream-format.md)
            return;
        }
        compressed.clear().put(0, (byte) codec.code()).position(1);
        int n = codec.compress(staging.duplicate().limit(stagedBytes).position(0), compressed);
        compressed.limit(1 + n).position(0);
        useCompressed = 1 + n < stagedBytes;
    }

    /**
     * Emits the batch as one chunk and counts its pages; returns the bytes emitted. The batch is
     * the sink's until written: then it empties itself and goes back to its pool.
     */
    long emit(StageContext ctx, ChunkSink sink) throws IOException {
        header.put(0, useCompressed ? RamSection.PAGES_COMPRESSED : RamSection.PAGES)
                .putInt(1, runs);
        header.limit(RamSection.runAt(0, runs)).position(0);
        parts[0] = header;
        int length;
        long bytes = header.remaining();
        if (gathering) {
            length = 1 + views;
            bytes += gatheredBytes;
        } else {
            parts[1] =
                    useCompressed ? compressed : stagedView.limit(stagedBytes).position(0);
            length = stagedBytes == 0 ? 1 : 2;
            bytes += length == 1 ? 0 : parts[1].remaining();
        }
        ctx.recordPages(normalPages + deltaPages, zeroPages);
        sink.emitLater(parts, 0, length, release);
        return bytes;
    }

    private void clear() {
        header.clear();
        Arrays.fill(parts, null);
        stagedBytes = 0;
        views = 0;
        gatheredBytes = 0;
        gathering = false;
        runs = 0;
        normalPages = 0;
        deltaPages = 0;
        zeroPages = 0;
        useCompressed = false;
    }
}
