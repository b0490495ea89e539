package io.ferry.transport;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/** A connected byte pipe under a {@link TcpChannel}: plain TCP or TLS, with its waits bounded. */
sealed interface Link extends Closeable permits PlainLink, TlsLink {
    /** Reads at least one byte into {@code dst}, or returns -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of the buffers; returns the bytes written. */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * While admitting a peer, reads wait until this {@link System#nanoTime()} deadline at most;
     * {@link TimedSocket#NEVER} once admitted, when reads wait as {@link Limits} say.
     */
    void admissionDeadline(long deadline);

    /** The peer's authenticated certificate subject, if the link is authenticated. */
    Optional<String> peer();

    String describe();

    /**
     * How long each side may wait for progress: the destination's reads and every write are
     * bounded by the progress timeout; the source's reads (the return path, which is quiet until
     * the destination answers) wait as long as the engine lets them.
     */
    record Limits(Optional<Duration> read, Duration write, Duration handshake) {
        static Limits source(TransportOptions o) {
            return new Limits(Optional.empty(), o.progressTimeout(), o.handshakeTimeout());
        }

        static Limits destination(TransportOptions o) {
            return new Limits(Optional.of(o.progressTimeout()), o.progressTimeout(), o.handshakeTimeout());
        }
    }
}
