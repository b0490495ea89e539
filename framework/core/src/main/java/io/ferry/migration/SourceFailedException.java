package io.ferry.migration;

/** The source failed the migration and said why in an ERROR frame (the destination's view). */
public final class SourceFailedException extends MigrationException {
    private static final long serialVersionUID = 1L;

    public SourceFailedException(String sourceMessage) {
        super(sourceMessage);
    }
}
