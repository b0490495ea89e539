package io.ferry.internal.engine;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.Machine;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.ChunkSink;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Outcome;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageContext;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** The {@link StageContext} of one handler call. */
final class HandlerContext implements StageContext {
    private final HandlerRegistration handler;
    private final int pass;
    private final Machine machine;
    private final DirtyBitmap bitmap;
    private final long budget;
    private final ChunkSink sink;
    private final BooleanSupplier cancelled;
    private final Counters counters;
    private final MigrationParameters params;
    private Outcome outcome;
    private SectionId streamSection;

    HandlerContext(
            HandlerRegistration handler,
            int pass,
            Machine machine,
            DirtyBitmap bitmap,
            long budget,
            ChunkSink sink,
            BooleanSupplier cancelled,
            Counters counters,
            MigrationParameters params) {
        this.handler = handler;
        this.pass = pass;
        this.machine = machine;
        this.bitmap = bitmap;
        this.budget = budget;
        this.sink = sink;
        this.cancelled = cancelled;
        this.counters = counters;
        this.params = params;
    }

    @Override
    public Stage stage() {
        return handler.stage();
    }

    @Override
    public int pass() {
        return pass;
    }

    @Override
    public Machine machine() {
        return machine;
    }

    @Override
    public Optional<SectionId> section() {
        return handler.section();
    }

    @Override
    public DirtyBitmap migrationBitmap() {
        if (bitmap == null) {
            throw new IllegalStateException("the migration bitmap exists on the source only");
        }
        return bitmap;
    }

    @Override
    public long budget() {
        return budget;
    }

    @Override
    public ChunkSink chunks() {
        if (sink == null) {
            throw new IllegalStateException("handler " + handler.id() + " cannot emit chunks at " + handler.stage()
                    + (handler.section().isEmpty() ? ": it was registered without a section" : ""));
        }
        return sink;
    }

    @Override
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }

    /** For CLEANUP: how the migration ended. */
    HandlerContext outcome(Outcome how) {
        this.outcome = how;
        return this;
    }

    /** For a destination loader: the section as the stream's manifest names it. */
    HandlerContext streamSection(SectionId sent) {
        this.streamSection = sent;
        return this;
    }

    @Override
    public Optional<Outcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    @Override
    public Optional<SectionId> streamSection() {
        return streamSection != null ? Optional.of(streamSection) : section();
    }

    @Override
    public Compression compression() {
        return params.compression();
    }

    @Override
    public long xbzrleCacheSize() {
        return params.xbzrleCacheSize();
    }

    @Override
    public void recordPages(long normal, long zero) {
        counters.normalPages += normal;
        counters.zeroPages += zero;
    }

    @Override
    public void recordXbzrle(long hits, long misses) {
        counters.xbzrleCacheHits += hits; // one writer: the migration thread
        counters.xbzrleCacheMisses += misses;
    }

    @Override
    public long discardPages(long firstPage, long count) {
        if (handler.stage() != Stage.DIRTY_SYNC) {
            throw new IllegalStateException("handler " + handler.id() + " discards pages at " + handler.stage()
                    + ": pages may be declared not worth sending at DIRTY_SYNC only");
        }
        long dropped = migrationBitmap().discard(firstPage, count);
        counters.discardedPages += dropped;
        return dropped;
    }
}
