package io.ferry.migration;

import java.time.Duration;

/** The source wrote the end of the stream and the destination did not answer within the switchover timeout. */
public final class SwitchoverTimeoutException extends MigrationException {
    private static final long serialVersionUID = 1L;

    public SwitchoverTimeoutException(Duration timeout) {
        super("no answer from the destination within " + timeout.toMillis() + " ms after the end of the stream");
    }
}
