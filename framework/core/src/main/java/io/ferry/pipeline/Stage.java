package io.ferry.pipeline;

/**
 * An extension point of the migration pipeline. Each stage runs its handlers in
 * {@link Priority} order. Source stages, in the order a migration reaches them:
 *
 * <ol>
 *   <li>{@link #SETUP} once, machine running;
 *   <li>passes of {@link #DIRTY_SYNC} then {@link #ITERATE} while the machine runs;
 *   <li>{@link #COMPLETE} once per switchover attempt, machine stopped (the switchover);
 *   <li>{@link #REVERT} only if the switchover stepped back (downtime-guard): undo what COMPLETE
 *       stopped, before the machine resumes and the passes go on (then COMPLETE runs again);
 *   <li>{@link #CLEANUP} once, always, whether the migration succeeded or not; the context's
 *       {@link StageContext#outcome()} says how it ended.
 * </ol>
 *
 * Destination stages: {@link #LOAD_SETUP}, then {@link #LOAD} for every chunk (routed to the
 * handler of the chunk's section), then {@link #LOAD_COMPLETE}; {@link #LOAD_REVERT} if the source
 * declares the attempt void, to drop what LOAD_COMPLETE made of it, after which loading goes on.
 *
 * <p>Each constant's contract says, as QEMU's {@code include/migration/register.h} does for its
 * hooks, when the stage runs, on which thread, what a handler may do there and what its outcome
 * means. Common to all: handlers of one migration run one at a time on that migration's thread
 * ({@code ferry-migrate-<machine>} on the source, {@code ferry-incoming-<machine>} on the
 * destination), so a plugin's handlers for one migration need no locking among themselves; they
 * share state with the device's own threads (vCPU tasks, backends) and must synchronize with
 * those. A handler that returns normally has done its part; one that throws fails the migration
 * with a {@code HandlerFailedException} naming it (except on CLEANUP), and the source machine
 * resumes with nothing lost.
 */
public enum Stage {
    /**
     * Source, once, first, with the machine running and the stream's header and manifest written.
     * Prepare per-migration state (RAM turns on dirty logging here) and emit the chunks that must
     * come before any other of the section (RAM's block list). Pass 0; no budget.
     */
    SETUP(Side.SOURCE, true),
    /**
     * Source, at the start of every pass 1, 2, ..., machine running: merge dirty logs into
     * {@link StageContext#migrationBitmap()}; no chunks. The places: {@link Priority#BEFORE_RAM},
     * a device's own dirty log (a vhost backend writing through the untracked path);
     * {@link Priority#RAM}, RAM drains the vCPU log ({@code ram.sync});
     * {@link Priority#AFTER_RAM}, right after RAM's sync, when the bitmap holds every page known
     * dirty so far: QEMU's {@code PRECOPY_NOTIFY_AFTER_BITMAP_SYNC}, where free-page hinting clears
     * pages the guest does not need sent. Not run at the switchover (RAM's final pass drains the
     * vCPU log itself): a log registered with {@link Registrar#dirtyLog} gets its last merge from
     * the engine right before RAM's final pass; a hand-merged log must be merged before it.
     */
    DIRTY_SYNC(Side.SOURCE, false),
    /**
     * Source, every pass after DIRTY_SYNC, machine running: emit chunks within
     * {@link StageContext#budget()}, shared by the pass's ITERATE handlers in priority order (what
     * one leaves, the next may use). A handler that registered {@code pendingBytes} is asked, after
     * each pass, how much it still has to send; the sum decides whether the migration converges.
     */
    ITERATE(Side.SOURCE, true),
    /**
     * Source, once per switchover attempt (a step-back runs {@link #REVERT}, then it runs again):
     * the vCPUs are stopped (FINISH_MIGRATE, every vCPU at its safepoint), but a device's own
     * threads are not: stop them here before RAM. At
     * {@link Priority#BEFORE_RAM}, flush device state into guest RAM through the tracked path (RAM's
     * final pass sends it) and emit final device chunks; at {@link Priority#RAM}, RAM's final pass
     * ({@link Registration#ramFinalPass()}); after it guest RAM is sealed, and a handler that still
     * dirties it fails the migration naming it. No budget.
     */
    COMPLETE(Side.SOURCE, true),
    /**
     * Source, only when the switchover steps back (downtime-guard), after the VOID frame and before
     * the machine resumes: undo what COMPLETE stopped (restart a backend), machine still stopped;
     * no chunks. Dirty logging stays on and the passes go on, then COMPLETE runs again.
     */
    REVERT(Side.SOURCE, false),
    /**
     * Source, once, always, last: whether the migration completed, failed or was cancelled, before
     * its final status is set (and, on failure, before the machine resumes). Undo what SETUP did (RAM turns dirty logging off); no chunks. An exception here
     * is logged and never changes the outcome.
     */
    CLEANUP(Side.SOURCE, false),
    /**
     * Destination, once, after the manifest was accepted (every section has a loader that supports
     * its version) and before any chunk; machine in INMIGRATE. Prepare to load.
     */
    LOAD_SETUP(Side.DESTINATION, false),
    /**
     * Destination, once per chunk of the loader's section, in stream order: a {@link ChunkLoader}
     * gets the verified payload, valid only during the call. Refuse bad content by throwing, with a
     * message naming what was wrong; nothing else of the stream is loaded after it.
     */
    LOAD(Side.DESTINATION, false),
    /**
     * Destination, once, after the END frame's totals were checked and before the acknowledgement
     * lets the source commit; guest RAM is loaded. At {@link Priority#AFTER_RAM}, rebuild device
     * caches from loaded RAM and check them; throwing here still fails the migration and the source
     * resumes.
     */
    LOAD_COMPLETE(Side.DESTINATION, false),
    /**
     * Destination, only when the source declares the acknowledged attempt void (a VOID frame):
     * drop what the void attempt's final chunks and LOAD_COMPLETE made (guest RAM pages already
     * applied stay: they are valid copies, and pages written since are sent again). Loading then
     * goes on with further passes.
     */
    LOAD_REVERT(Side.DESTINATION, false);

    private final Side side;
    private final boolean emitsChunks;

    Stage(Side side, boolean emitsChunks) {
        this.side = side;
        this.emitsChunks = emitsChunks;
    }

    public Side side() {
        return side;
    }

    /** Whether handlers with a section may emit chunks at this stage. */
    public boolean emitsChunks() {
        return emitsChunks;
    }
}
