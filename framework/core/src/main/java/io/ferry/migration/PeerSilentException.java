package io.ferry.migration;

import java.time.Duration;

/** The destination heard nothing from the source for longer than the switchover timeout. */
public final class PeerSilentException extends MigrationException {
    private static final long serialVersionUID = 1L;

    public PeerSilentException(Duration silence) {
        super("the source sent nothing for " + silence.toMillis() + " ms; the machine stays stopped here");
    }
}
