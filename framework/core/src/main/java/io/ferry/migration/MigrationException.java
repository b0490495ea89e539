package io.ferry.migration;

/**
 * Why a migration failed or was cancelled. The message is one line meant for a user; the
 * subclass says what kind of failure it was.
 */
public sealed class MigrationException extends Exception
        permits HandlerFailedException,
                LateDirtyException,
                SectionRefusedException,
                MigrationCancelledException,
                DestinationFailedException,
                PluginLeftException,
                SwitchoverTimeoutException,
                PeerSilentException,
                SourceFailedException,
                DowntimeExceededException {
    private static final long serialVersionUID = 1L;

    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
