package io.ferry.migration;

/** Observes a migration. Called on the migration's thread: return quickly. */
public interface MigrationListener {
    default void statusChanged(Migration migration, MigrationStatus from, MigrationStatus to) {}

    default void passCompleted(Migration migration, PassProgress progress) {}
}
