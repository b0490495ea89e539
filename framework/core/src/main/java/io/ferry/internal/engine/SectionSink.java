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

    private final FrameWriter writer;
    private final int sectionIndex;
    private final Throttle throttle;
    private final Counters counters;
    private long emitted;

    SectionSink(FrameWriter writer, int sectionIndex, Throttle throttle, Counters counters) {
        this.writer = writer;
        this.sectionIndex = sectionIndex;
        this.throttle = throttle;
        this.counters = counters;
    }

    @Override
    public int maxChunkSize() {
        return writer.maxFrameSize();
    }

    @Override
    public void emit(ByteBuffer[] parts, int offset, int length) throws IOException {
        long size = 0;
        for (int i = offset; i < offset + length; i++) {
            size += parts[i].remaining();
        }
        try {
            throttle.acquire(size + FRAME_OVERHEAD);
        } catch (MigrationCancelledException e) {
            throw new InterruptedIOException("migration cancelled while waiting for bandwidth");
        }
        writer.writeChunk(sectionIndex, parts, offset, length);
        emitted += size;
        counters.transferredBytes = writer.bytesWritten();
    }

    /** Chunk payload bytes emitted since the last call (frame header and checksum not counted); resets the count. */
    long takeEmitted() {
        long e = emitted;
        emitted = 0;
        return e;
    }
}
