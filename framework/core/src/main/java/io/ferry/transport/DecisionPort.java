package io.ferry.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * The listening port where a source answers in-doubt destinations about its switchover decision
 * (docs/stream-format.md, "Decision connections"). Secured as the migration's channels are: with
 * TLS credentials, every peer must finish a TLS 1.3 handshake with a certificate the CA signed and
 * tls-authz allows, within the handshake timeout, and a plaintext peer is refused; the source is the
 * TLS server here. A destination connects with {@link Transports#connect(MigrationUri, TransportOptions)}.
 */
public final class DecisionPort implements AutoCloseable {
    private final ServerSocketChannel server;
    private final MigrationUri.Tcp address;
    private final TransportOptions options;
    private final Optional<TlsContext> tls;

    private DecisionPort(
            ServerSocketChannel server, MigrationUri.Tcp address, TransportOptions options, Optional<TlsContext> tls) {
        this.server = server;
        this.address = address;
        this.options = options;
        this.tls = tls;
    }

    /** Listens on {@code at} (port 0: an ephemeral one) with {@code options}' TLS credentials and timeouts. */
    public static DecisionPort open(MigrationUri.Tcp at, TransportOptions options) throws IOException {
        checkNotNull(at, "at");
        checkNotNull(options, "options");
        Optional<TlsContext> tls = options.tls()
                ? Optional.of(TlsContext.load(options.tlsCreds().orElseThrow(), options.tlsAuthz()))
                : Optional.empty();
        ServerSocketChannel server = Admission.bind(at, "listen for decision questions");
        return new DecisionPort(server, Admission.boundAddress(server, at), options, tls);
    }

    /** Where the port listens (the port as bound). */
    public MigrationUri.Tcp address() {
        return address;
    }

    /**
     * Waits for the next peer and admits it (TLS handshake, certificate and tls-authz checked, within
     * the handshake timeout). The channel's reads end within that same handshake timeout (a
     * question and its answer's REPORT are a few dozen bytes); its writes are bounded by the
     * progress timeout.
     *
     * @throws IOException if this peer was refused (the port goes on listening), or the port is closed
     */
    public MigrationChannel accept() throws IOException {
        SocketChannel s = server.accept(); // throws once closed
        long deadline = TimedSocket.deadline(options.handshakeTimeout());
        TimedSocket socket = new TimedSocket(s);
        try {
            // a plaintext peer is refused whenever TLS is configured: only the authenticated peer may ask
            Link link = Admission.openLink(socket, deadline, ByteBuffer.allocate(1), options, tls, true);
            // A question is a few dozen bytes: its reads end by the deadline, so a peer that drips
            // them cannot hold a port that answers one question at a time.
            link.admissionDeadline(deadline);
            return new TcpChannel(link, ByteBuffer.allocate(0));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw new PeerRefusedException(
                    "decision port " + address + " refused " + socket.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Whether the port still listens (an {@link #accept()} that failed on a closed port ends the answering). */
    public boolean isOpen() {
        return server.isOpen();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
