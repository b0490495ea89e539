package io.ferry.transport;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;

/**
 * What the two listening ports (a migration's {@link TcpEndpoint} and a source's
 * {@link DecisionPort}) share: binding, and securing a connected peer before anything of it is
 * read as a frame.
 */
final class Admission {
    private static final int BACKLOG = 8;
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    private Admission() {}

    /** A server socket bound to {@code at} (port 0: an ephemeral one); {@code what} names it in the error. */
    static ServerSocketChannel bind(MigrationUri.Tcp at, String what) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(at.host(), at.port()), BACKLOG);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot " + what + " on " + at + ": " + e.getMessage(), e);
        }
    }

    /** {@code at} with the port {@code server} was bound to. */
    static MigrationUri.Tcp boundAddress(ServerSocketChannel server, MigrationUri.Tcp at) throws IOException {
        return new MigrationUri.Tcp(at.host(), ((InetSocketAddress) server.getLocalAddress()).getPort());
    }

    /**
     * The link to a peer that just connected. With TLS configured, the first byte tells a TLS
     * ClientHello (then the handshake must finish by {@code deadline}, the peer's certificate
     * checked) from plaintext, which is refused when {@code tlsRequired}; otherwise the byte read
     * to decide goes to {@code plain}.
     */
    static Link openLink(
            TimedSocket socket,
            long deadline,
            ByteBuffer plain,
            TransportOptions options,
            Optional<TlsContext> tls,
            boolean tlsRequired)
            throws IOException {
        Link.Limits limits = Link.Limits.destination(options);
        if (tls.isEmpty()) {
            return new PlainLink(socket, limits);
        }
        ByteBuffer first = ByteBuffer.allocate(1);
        if (socket.read(first, deadline, options.handshakeTimeout(), "handshake-timeout") < 0) {
            throw new EOFException("the peer closed the connection before sending anything");
        }
        first.flip();
        if (Byte.toUnsignedInt(first.get(0)) == TLS_HANDSHAKE_RECORD) {
            TlsLink link = new TlsLink(socket, tls.get().engine(false), limits, first);
            link.handshake(deadline);
            return link;
        }
        if (tlsRequired) {
            throw new PeerRefusedException(
                    "plaintext peer " + socket.describe() + " refused: tls-required is on", null);
        }
        plain.put(first);
        return new PlainLink(socket, limits);
    }
}
