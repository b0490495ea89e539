package io.ferry.testkit;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A harness migration in progress. Over a snapshot file the destination starts only once the
 * source has finished writing it, so {@link #destination()} may start it.
 */
public final class MigrationRun {
    private final Migration source;
    private final Supplier<Migration> destinationStarter;
    private final List<PassProgress> passes;
    private Migration destination;

    MigrationRun(Migration source, Supplier<Migration> destinationStarter, CopyOnWriteArrayList<PassProgress> passes) {
        this.source = source;
        this.destinationStarter = destinationStarter;
        this.passes = passes;
    }

    public Migration source() {
        return source;
    }

    /** The destination's migration, started now if it waits for a snapshot file. */
    public synchronized Migration destination() {
        if (destination == null) {
            destination = destinationStarter.get();
        }
        return destination;
    }

    /** Progress events of the source so far. */
    public List<PassProgress> passes() {
        return List.copyOf(passes);
    }

    /**
     * Waits for both sides to end, whatever the outcome.
     *
     * @throws TimeoutException if either side is still running after {@code timeout}
     */
    public MigrationOutcome await(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        MigrationFigures s = source.await(timeout);
        Migration d;
        if (source.status() != MigrationStatus.COMPLETED && destinationNotStarted()) {
            d = null; // a failed snapshot is never restored
        } else {
            d = destination();
        }
        MigrationFigures df = d == null ? null : d.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        return new MigrationOutcome(source, d == null ? NotStarted.INSTANCE : d, s, df, passes);
    }

    private synchronized boolean destinationNotStarted() {
        return destination == null && destinationStarter instanceof Harness.Deferred;
    }

    /** Stands in for a destination that never started (the snapshot was not completed). */
    private static final class NotStarted implements Migration {
        static final NotStarted INSTANCE = new NotStarted();

        @Override
        public io.ferry.pipeline.Side side() {
            return io.ferry.pipeline.Side.DESTINATION;
        }

        @Override
        public MigrationStatus status() {
            return MigrationStatus.NONE;
        }

        @Override
        public MigrationFigures figures() {
            return new MigrationFigures(MigrationStatus.NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public java.util.Optional<io.ferry.migration.MigrationException> failure() {
            return java.util.Optional.empty();
        }

        @Override
        public java.util.Optional<io.ferry.pipeline.Pipeline> pipeline() {
            return java.util.Optional.empty();
        }

        @Override
        public boolean cancel() {
            return false;
        }

        @Override
        public MigrationFigures await(Duration timeout) {
            return figures();
        }

        @Override
        public void addListener(io.ferry.migration.MigrationListener listener) {}
    }
}
