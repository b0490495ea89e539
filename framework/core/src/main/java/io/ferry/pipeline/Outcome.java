package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkNotNull;

/** How a migration ended, as CLEANUP handlers learn it from {@link StageContext#outcome()}. */
public sealed interface Outcome {
    /** The switchover committed. */
    record Completed() implements Outcome {}

    /** The migration failed; {@code cause} says why. */
    record Failed(Exception cause) implements Outcome {
        public Failed {
            checkNotNull(cause, "cause");
        }
    }

    /** The migration was cancelled. */
    record Cancelled() implements Outcome {}
}
