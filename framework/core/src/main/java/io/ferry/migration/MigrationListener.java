package io.ferry.migration;

import org.osgi.annotation.versioning.ConsumerType;

/** Observes a migration. Called on the migration's thread: return quickly. */
@ConsumerType
public interface MigrationListener {
    default void statusChanged(Migration migration, MigrationStatus from, MigrationStatus to) {}

    default void passCompleted(Migration migration, PassProgress progress) {}
}
