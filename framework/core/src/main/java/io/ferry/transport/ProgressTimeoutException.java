package io.ferry.transport;

import java.io.IOException;
import java.time.Duration;

/** A connection made no progress for longer than its limit: the peer is frozen, gone, or dripping. */
public final class ProgressTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Duration limit;

    public ProgressTimeoutException(String what, Duration limit, String parameter) {
        super(what + " made no progress for " + limit.toMillis() + " ms (parameter " + parameter + ")");
        this.limit = limit;
    }

    /** The limit that expired. */
    public Duration limit() {
        return limit;
    }
}
