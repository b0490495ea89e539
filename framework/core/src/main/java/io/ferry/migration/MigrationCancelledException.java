package io.ferry.migration;

/** The migration was cancelled. */
public final class MigrationCancelledException extends MigrationException {
    private static final long serialVersionUID = 1L;

    public MigrationCancelledException(String message) {
        super(message, null);
    }
}
