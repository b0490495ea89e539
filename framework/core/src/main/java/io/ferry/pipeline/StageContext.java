package io.ferry.pipeline;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.Machine;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** What a handler sees of the migration it runs in. One context per handler call. */
@ProviderType
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

    /**
     * Source side: counts XBZRLE cache lookups for the figures ({@code hits} pages found in the
     * cache of pages as sent, {@code misses} not found), whose hit rate the figures show. The
     * default ignores them, so that contexts made outside the engine (a plugin's own unit tests)
     * compile; the engine's context counts them.
     */
    default void recordXbzrle(long hits, long misses) {}

    /**
     * DIRTY_SYNC only (source): "these pages need not be sent", as free-page hinting (QEMU's
     * virtio-balloon over precopy notifiers). Drops {@code [firstPage, firstPage + count)} from the
     * migration bitmap and makes them don't-care pages. Safe against the guest: a page written
     * again after this call is dirtied again at a later sync and sent with its new content. A
     * don't-care page is still defined on the destination: RAM's final pass sends it as a zero page,
     * so the destination holds zero there, and the source's digest and the testkit's state
     * assertions read it as zero. Register at {@code Priority.AFTER_RAM}, so RAM's sync has run.
     *
     * @return how many of the pages were dirty (pages not sent now); counted in the figures
     * @throws IllegalStateException at another stage or on the destination
     * @throws IllegalArgumentException if the range lies outside guest RAM
     */
    default long discardPages(long firstPage, long count) {
        // Default only so that contexts made outside the engine (a plugin's own unit tests) compile.
        throw new IllegalStateException(
                "discardPages: this context does not offer it; the engine's does at DIRTY_SYNC");
    }

    /**
     * At CLEANUP, how the migration ended; empty at every other stage.
     */
    default Optional<Outcome> outcome() {
        return Optional.empty();
    }

    /**
     * The version of this handler's section that the stream carries (destination; a loader may
     * be fed an older version than it registered), or the registered one on the source.
     */
    default Optional<SectionId> streamSection() {
        return section();
    }

    /** Source side: how the migration's {@code compression} parameter asks RAM page data to be compressed. */
    default Compression compression() {
        return Compression.none;
    }

    /** Source side: the migration's {@code xbzrle-cache-size} in bytes; 0 when XBZRLE deltas are off. */
    default long xbzrleCacheSize() {
        return 0;
    }
}
