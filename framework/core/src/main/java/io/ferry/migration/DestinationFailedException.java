package io.ferry.migration;

/** The destination refused or failed the migration and said why on the return path. */
public final class DestinationFailedException extends MigrationException {
    private static final long serialVersionUID = 1L;

    public DestinationFailedException(String destinationMessage) {
        super("destination failed: " + destinationMessage, null);
    }
}
