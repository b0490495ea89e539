package io.ferry.testkit;

import com.google.common.collect.ImmutableList;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import java.util.List;

/**
 * How a harness migration ended, on both sides.
 *
 * @param sourcePasses every progress event the source published, in order
 */
public record MigrationOutcome(
        Migration source,
        Migration destination,
        MigrationFigures sourceFigures,
        MigrationFigures destinationFigures,
        List<PassProgress> sourcePasses) {

    public MigrationOutcome {
        sourcePasses = ImmutableList.copyOf(sourcePasses);
    }

    /** Whether both sides completed. */
    public boolean completed() {
        return source.status() == MigrationStatus.COMPLETED && destination.status() == MigrationStatus.COMPLETED;
    }

    /** Fails with both sides' status and errors unless both completed. */
    public MigrationOutcome assertCompleted() {
        if (!completed()) {
            throw new AssertionError(
                    "migration did not complete: source " + source.status() + " "
                            + source.failure().map(Throwable::getMessage).orElse("") + "; destination "
                            + destination.status()
                            + " "
                            + destination.failure().map(Throwable::getMessage).orElse(""),
                    source.failure().or(destination::failure).orElse(null));
        }
        return this;
    }
}
