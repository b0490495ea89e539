package io.ferry.migration;

import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.Side;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.osgi.annotation.versioning.ProviderType;

/** One running or finished migration, either side. Thread-safe. */
@ProviderType
public interface Migration {
    Side side();

    MigrationStatus status();

    /** The figures now (or final, once terminal). */
    MigrationFigures figures();

    /** Why the migration failed or was cancelled, once it has. */
    Optional<MigrationException> failure();

    /** The pinned handler set, once the migration has assembled it. */
    Optional<Pipeline> pipeline();

    /**
     * Cancels the migration: the source resumes with nothing lost; the destination never runs
     * the machine. Returns false if it is already terminal or past the point of no return (the
     * source has committed the switchover).
     */
    boolean cancel();

    /** Waits until the migration is terminal and returns its final figures (whatever the status). */
    MigrationFigures await(Duration timeout) throws InterruptedException, TimeoutException;

    void addListener(MigrationListener listener);
}
