package io.ferry.pipeline;

/**
 * An extension point of the migration pipeline. Each stage runs its handlers in
 * {@link Priority} order. Source stages, in the order a migration reaches them:
 *
 * <ol>
 *   <li>{@link #SETUP} once, machine running;
 *   <li>passes of {@link #DIRTY_SYNC} then {@link #ITERATE} while the machine runs;
 *   <li>{@link #COMPLETE} once, machine stopped (the switchover);
 *   <li>{@link #REVERT} only if the switchover stepped back (downtime-guard): undo what COMPLETE
 *       stopped, before the machine resumes and the passes go on (then COMPLETE runs again);
 *   <li>{@link #CLEANUP} once, always, whether the migration succeeded or not; the context's
 *       {@link StageContext#outcome()} says how it ended.
 * </ol>
 *
 * Destination stages: {@link #LOAD_SETUP}, then {@link #LOAD} for every chunk (routed to the
 * handler of the chunk's section), then {@link #LOAD_COMPLETE}; {@link #LOAD_REVERT} if the source
 * declares the attempt void, to drop what LOAD_COMPLETE made of it, after which loading goes on.
 */
public enum Stage {
    SETUP(Side.SOURCE, true),
    DIRTY_SYNC(Side.SOURCE, false),
    ITERATE(Side.SOURCE, true),
    COMPLETE(Side.SOURCE, true),
    REVERT(Side.SOURCE, false),
    CLEANUP(Side.SOURCE, false),
    LOAD_SETUP(Side.DESTINATION, false),
    LOAD(Side.DESTINATION, false),
    LOAD_COMPLETE(Side.DESTINATION, false),
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
