package io.ferry.transport;

import java.io.IOException;

/** A listener turned a connecting peer away before reading any frame from it, and says why. */
public final class PeerRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public PeerRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
