package io.ferry.internal.engine;

import io.ferry.migration.MigrationCancelledException;
import io.ferry.pipeline.ChunkSink;
import io.ferry.stream.FrameWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;

/** Emits the chunks of one section through the throttle and the frame writer, counting bytes per pass. */
final class SectionSink implements ChunkSink {
    private static final int FRAME_OVERHEAD = FrameWriter.FRAME_HEADER + FrameWriter.FRAME_TRAILER;

    private final StreamChannels out;
    private final boolean spread;
    private final int sectionIndex;
    private final Throttle throttle;
    private final Counters counters;
    private long emitted;

    /** {@code spread}: RAM's section, whose batches go round-robin over the channels. */
    SectionSink(StreamChannels out, int sectionIndex, boolean spread, Throttle throttle, Counters counters) {
        this.out = out;
        this.spread = spread;
        this.sectionIndex = sectionIndex;
        this.throttle = throttle;
        this.counters = counters;
    }

    @Override
    public int maxChunkSize() {
        return out.control().maxFrameSize();
    }

    @Override
    public void emit(ByteBuffer[] parts, int offset, int length) throws IOException {
        long size = acquire(parts, offset, length);
        if (spread) {
            out.writeRam(sectionIndex, parts, offset, length);
        } else {
            out.control().writeChunk(sectionIndex, parts, offset, length);
        }
        emitted(size);
    }

    @Override
    public boolean emitsAtOnce() {
        return (!spread || out.count() == 1) && !throttle.isLimited();
    }

    /** RAM's section hands its batches to the channels' writer threads; any other section writes at once. */
    @Override
    public void emitLater(ByteBuffer[] parts, int offset, int length, Runnable released) throws IOException {
        if (!spread) {
            ChunkSink.super.emitLater(parts, offset, length, released);
            return;
        }
        long size;
        try {
            size = acquire(parts, offset, length);
        } catch (IOException | RuntimeException e) {
            released.run();
            throw e;
        }
        out.writeRamLater(sectionIndex, parts, offset, length, released);
        emitted(size);
    }

    /** Waits for the chunk's share of the bandwidth; returns its payload size. */
    private long acquire(ByteBuffer[] parts, int offset, int length) throws IOException {
        long size = 0;
        for (int i = offset; i < offset + length; i++) {
            size += parts[i].remaining();
        }
        try {
            throttle.acquire(size + FRAME_OVERHEAD);
        } catch (MigrationCancelledException e) {
            throw new InterruptedIOException("migration cancelled while waiting for bandwidth");
        }
        return size;
    }

    private void emitted(long size) {
        emitted += size;
        counters.transferredBytes = out.bytesWritten();
    }

    /** Chunk payload bytes emitted since the last call (frame header and checksum not counted); resets the count. */
    long takeEmitted() {
        long e = emitted;
        emitted = 0;
        return e;
    }
}
