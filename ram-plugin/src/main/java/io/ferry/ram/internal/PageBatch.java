package io.ferry.ram.internal;

import static io.ferry.machine.GuestMemory.PAGE_SHIFT;
import static io.ferry.machine.GuestMemory.PAGE_SIZE;

import io.ferry.pipeline.ChunkSink;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.RamSection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One RAM batch being built and sent: the run table, and the normal runs' data copied into a
 * 1 MiB staging buffer (so the frame's CRC covers exactly what is sent, and a compressor may work
 * on it while the machine runs). Emitted as one chunk gathered from the run table and the staged
 * runs, or from the run table and the compressed data when a codec made it smaller. Reused from
 * batch to batch: no allocation per page or per batch.
 */
final class PageBatch {
    private final ByteBuffer header;
    private final ByteBuffer[] parts;
    private final ByteBuffer staging;
    private final ByteBuffer[] stagingViews;
    private final ByteBuffer compressed; // codec byte, then the compressed data; null without a codec
    private int stagedBytes;
    private int runs;
    private int partCount;
    private int normalPages;
    private int zeroPages;
    private boolean useCompressed;

    PageBatch(int maxRuns, int maxNormalPages, PageCodec codec) {
        header = ByteBuffer.allocateDirect(RamSection.runAt(0, maxRuns));
        parts = new ByteBuffer[1 + maxNormalPages];
        staging = ByteBuffer.allocateDirect(maxNormalPages * PAGE_SIZE);
        stagingViews = new ByteBuffer[maxNormalPages];
        for (int i = 0; i < stagingViews.length; i++) {
            stagingViews[i] = staging.duplicate();
        }
        compressed = codec == null ? null : ByteBuffer.allocateDirect(1 + codec.maxCompressedLength(staging.capacity()));
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

    /** Adds a run; a normal run's pages are copied from {@code view} into the staging buffer. */
    void addRun(long first, int count, int kind, ByteBuffer view) {
        RamSection.RunEntry.write(header, RamSection.runAt(0, runs), first, count, kind);
        if (kind == RamSection.RUN_NORMAL) {
            int n = view.remaining();
            staging.put(stagedBytes, view, view.position(), n);
            ByteBuffer copy = stagingViews[partCount];
            copy.limit(stagedBytes + n).position(stagedBytes);
            parts[++partCount] = copy;
            stagedBytes += n;
            normalPages += count;
        } else {
            zeroPages += count;
        }
        runs++;
    }

    /**
     * Compresses the staged data (codec byte first) and decides whether the compressed form goes
     * out: only when it is smaller. May run on another thread than the one that built the batch,
     * as long as it is handed over with a happens-before edge (a Future).
     */
    void compress(PageCodec codec) {
        useCompressed = false;
        if (stagedBytes == 0) {
            return;
        }
        compressed.clear().put(0, (byte) codec.code()).position(1);
        int n = codec.compress(staging.duplicate().limit(stagedBytes).position(0), compressed);
        compressed.limit(1 + n).position(0);
        useCompressed = 1 + n < stagedBytes;
    }

    /** Emits the batch as one chunk, counts its pages, and empties it; returns the bytes emitted. */
    long emit(StageContext ctx, ChunkSink sink) throws IOException {
        header.put(0, useCompressed ? RamSection.PAGES_COMPRESSED : RamSection.PAGES).putInt(1, runs);
        header.limit(RamSection.runAt(0, runs)).position(0);
        parts[0] = header;
        int count = partCount + 1;
        if (useCompressed) {
            parts[1] = compressed;
            count = 2;
        }
        long bytes = header.remaining() + (useCompressed ? compressed.remaining() : (long) normalPages << PAGE_SHIFT);
        sink.emit(parts, 0, count);
        ctx.recordPages(normalPages, zeroPages);
        header.clear();
        Arrays.fill(parts, 0, partCount + 1, null);
        stagedBytes = 0;
        runs = 0;
        partCount = 0;
        normalPages = 0;
        zeroPages = 0;
        useCompressed = false;
        return bytes;
    }
}
