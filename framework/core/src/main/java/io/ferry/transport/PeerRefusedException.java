package io.ferry.transport;

import java.io.IOException;

/**
 * A listener refused a peer, or a stream it was admitting, and says why; no frame (the stream
 * header is none) had been read from the peer. Thrown where a connecting peer fails admission
 * and the caller hears of it (a plaintext peer where TLS is required, a decision port's peer whose
 * TLS handshake fails), and by {@link IncomingEndpoint#accept()} of a TCP listener when the stream
 * whose channel 0 it admitted cannot be whole: one of its channels 1.. did not arrive within
 * handshake-timeout, or one's stream header was refused (channel 0 is then answered with an ERROR
 * saying so).
 */
public final class PeerRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public PeerRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
