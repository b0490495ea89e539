package io.ferry.pipeline;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.Machine;
import java.util.Optional;

/** What a handler sees of the migration it runs in. One context per handler call. */
public interface StageContext {
    Stage stage();

    /** The pass number: 0 for SETUP, 1.. for the DIRTY_SYNC + ITERATE rounds, then one more for COMPLETE. */
    int pass();

    Machine machine();

    /** The section this handler was registered with, if any. */
    Optional<SectionId> section();

    /**
     * Source side: the migration bitmap that dirty-log sources merge into at DIRTY_SYNC and that
     * RAM sends from.
     *
     * @throws IllegalStateException on the destination
     */
    DirtyBitmap migrationBitmap();

    /**
     * Bytes this handler may still emit in this pass, shared by all ITERATE handlers of the pass
     * in priority order; {@link Long#MAX_VALUE} when unlimited (and on every other stage).
     */
    long budget();

    /**
     * Where to emit chunks of this handler's section.
     *
     * @throws IllegalStateException if the handler has no section, or the stage emits no chunks
     */
    ChunkSink chunks();

    /** Whether the migration is being cancelled; long-running handlers should check it. */
    boolean isCancelled();

    /** Counts guest pages sent, for the figures: {@code normal} as data, {@code zero} as zero records. */
    void recordPages(long normal, long zero);

    /** Source side: how the migration's {@code compression} parameter asks RAM page data to be compressed. */
    default Compression compression() {
        return Compression.none;
    }

    /** Source side: the migration's {@code xbzrle-cache-size} in bytes; 0 when XBZRLE deltas are off. */
    default long xbzrleCacheSize() {
        return 0;
    }
}
