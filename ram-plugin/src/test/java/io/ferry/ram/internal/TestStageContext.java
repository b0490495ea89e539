package io.ferry.ram.internal;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.Machine;
import io.ferry.pipeline.ChunkSink;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.RamSection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;

/** A {@link StageContext} for driving the RAM sender and loader without the engine. */
final class TestStageContext implements StageContext {
    private final Machine machine;
    private final DirtyBitmap bitmap;
    private final ChunkSink sink;
    private final IntSupplier pass;
    private final Compression compression;
    private final long xbzrleCacheSize;
    private final LongConsumer normalPages;

    private TestStageContext(
            Machine machine,
            DirtyBitmap bitmap,
            ChunkSink sink,
            IntSupplier pass,
            Compression compression,
            long xbzrleCacheSize,
            LongConsumer normalPages) {
        this.machine = machine;
        this.bitmap = bitmap;
        this.sink = sink;
        this.pass = pass;
        this.compression = compression;
        this.xbzrleCacheSize = xbzrleCacheSize;
        this.normalPages = normalPages;
    }

    /** A destination's context: it counts the normal pages loaded. */
    static TestStageContext destination(LongConsumer normalPages) {
        return new TestStageContext(null, null, null, () -> 1, Compression.none, 0, normalPages);
    }

    /** Where a test source's chunks go (4 MiB chunks at most). */
    @FunctionalInterface
    interface Delivery {
        void emit(ByteBuffer[] parts, int offset, int length) throws IOException;
    }

    /** The chunk the remaining bytes of {@code parts[offset..offset+length)} make, in one heap buffer (consumes the parts). */
    static ByteBuffer chunk(ByteBuffer[] parts, int offset, int length) {
        int size = 0;
        for (int i = offset; i < offset + length; i++) {
            size += parts[i].remaining();
        }
        ByteBuffer chunk = ByteBuffer.allocate(size);
        for (int i = offset; i < offset + length; i++) {
            chunk.put(parts[i]);
        }
        return chunk.flip();
    }

    /** A source's context for {@code machine}, over {@code bitmap}, emitting to {@code delivery}, in the pass {@code pass} says. */
    static TestStageContext source(
            Machine machine,
            DirtyBitmap bitmap,
            Delivery delivery,
            IntSupplier pass,
            Compression compression,
            long xbzrleCacheSize) {
        ChunkSink sink = new ChunkSink() {
            @Override
            public int maxChunkSize() {
                return 4 << 20;
            }

            @Override
            public void emit(ByteBuffer[] parts, int offset, int length) throws IOException {
                delivery.emit(parts, offset, length);
            }
        };
        return new TestStageContext(machine, bitmap, sink, pass, compression, xbzrleCacheSize, n -> {});
    }

    @Override
    public Stage stage() {
        return bitmap == null ? Stage.LOAD : Stage.ITERATE;
    }

    @Override
    public int pass() {
        return pass.getAsInt();
    }

    @Override
    public Machine machine() {
        if (machine == null) {
            throw new UnsupportedOperationException("no machine here");
        }
        return machine;
    }

    @Override
    public Optional<SectionId> section() {
        return Optional.of(RamSection.ID);
    }

    @Override
    public DirtyBitmap migrationBitmap() {
        if (bitmap == null) {
            throw new IllegalStateException("destination");
        }
        return bitmap;
    }

    @Override
    public long budget() {
        return Long.MAX_VALUE;
    }

    @Override
    public ChunkSink chunks() {
        if (sink == null) {
            throw new IllegalStateException("destination");
        }
        return sink;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void recordPages(long normal, long zero) {
        normalPages.accept(normal);
    }

    @Override
    public Compression compression() {
        return compression;
    }

    @Override
    public long xbzrleCacheSize() {
        return xbzrleCacheSize;
    }
}
