package io.ferry.migration;

import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.Side;
import io.ferry.transport.MigrationUri;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
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

    /** The id in the stream header, once written (source) or read (destination). */
    default OptionalLong streamId() {
        return OptionalLong.empty();
    }

    /**
     * The switchover's decision: on the source, its own once made (COMMITTED from its point of no
     * return on, ABORTED once it turned back); on the destination, the one it heard or was given.
     */
    default Optional<SwitchoverDecision> decision() {
        return Optional.empty();
    }

    /**
     * Where the source answers an in-doubt destination's questions about its decision: on the source
     * its decision port, on the destination the one the source announced (a {@code tcp:} migration only).
     */
    default Optional<MigrationUri> decider() {
        return Optional.empty();
    }

    /**
     * Ends an {@link MigrationStatus#IN_DOUBT IN_DOUBT} migration. A destination takes the source's
     * decision for its stream: COMMITTED runs the machine, ABORTED discards it; give COMMITTED only
     * when the source says so (its {@link #decision()}, or it is gone for good and never resumed).
     * A source takes how the destination ended: COMMITTED (it runs the machine: stay stopped) or
     * ABORTED (it discarded the machine, or died without running it: resume here). Either way the
     * machine never runs twice.
     *
     * @return false if this migration is not in doubt (nothing changed)
     * @throws IllegalArgumentException if the decision names another stream
     * @throws IllegalStateException on a source, for ABORTED once its decision port told the
     *     destination COMMITTED (that destination may run the machine)
     */
    default boolean resolve(SwitchoverDecision decision) {
        return false;
    }

    /** Waits until the migration is terminal and returns its final figures (whatever the status). */
    MigrationFigures await(Duration timeout) throws InterruptedException, TimeoutException;

    void addListener(MigrationListener listener);
}
