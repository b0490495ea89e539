package io.ferry.pipeline;

/**
 * An extension point of the migration pipeline. Each stage runs its handlers in
 * {@link Priority} order. Source stages, in the order a migration reaches them:
 *
 * <ol>
 *   <li>{@link #SETUP} once, machine running;
 *   <li>passes of {@link #DIRTY_SYNC} then {@link #ITERATE} while the machine runs;
 *   <li>{@link #COMPLETE} once, machine stopped (the switchover);
 *   <li>{@link #CLEANUP} once, always, whether the migration succeeded or not.
 * </ol>
 *
 * Destination stages: {@link #LOAD_SETUP}, then {@link #LOAD} for every chunk (routed to the
 * handler of the chunk's section), then {@link #LOAD_COMPLETE}.
 */
public enum Stage {
    SETUP(Side.SOURCE, true),
    DIRTY_SYNC(Side.SOURCE, false),
    ITERATE(Side.SOURCE, true),
    COMPLETE(Side.SOURCE, true),
    CLEANUP(Side.SOURCE, false),
    LOAD_SETUP(Side.DESTINATION, false),
    LOAD(Side.DESTINATION, false),
    LOAD_COMPLETE(Side.DESTINATION, false);

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
