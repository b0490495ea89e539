package io.ferry.migration;

/** The destination cannot load a section of the stream (no handler, or an unsupported version); nothing was loaded. */
public final class SectionRefusedException extends MigrationException {
    private static final long serialVersionUID = 1L;

    public SectionRefusedException(String message) {
        super(message, null);
    }
}
