package io.ferry.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** Opens the ends of a migration stream by URI. */
public final class Transports {
    /** How long connecting to a destination may take. */
    public static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private Transports() {}

    private static Optional<TlsContext> tls(TransportOptions options) throws IOException {
        if (options.tlsCreds().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(TlsContext.load(options.tlsCreds().get(), options.tlsAuthz()));
    }

    /** The source's end with default {@link TransportOptions}: plain TCP, or a snapshot file. */
    public static MigrationChannel connect(MigrationUri uri) throws IOException {
        return connect(uri, TransportOptions.defaults());
    }

    /**
     * The source's end: connects to a listening destination (with TLS when {@code options} has
     * credentials: the handshake, both certificates and tls-authz checked, ends within the
     * handshake timeout), or creates a snapshot file.
     */
    public static MigrationChannel connect(MigrationUri uri, TransportOptions options) throws IOException {
        checkNotNull(uri, "uri");
        checkNotNull(options, "options");
        if (uri instanceof MigrationUri.Tcp tcp) {
            Optional<TlsContext> tls = tls(options);
            SocketChannel socket = SocketChannel.open();
            TimedSocket timed = null;
            try {
                // Bounded: an unreachable host must not hold a migration in SETUP for the OS's minutes.
                socket.socket().connect(new InetSocketAddress(tcp.host(), tcp.port()), CONNECT_TIMEOUT_MILLIS);
                timed = new TimedSocket(socket);
                Link.Limits limits = Link.Limits.source(options);
                if (tls.isEmpty()) {
                    return new TcpChannel(new PlainLink(timed, limits), ByteBuffer.allocate(0))
                            .local(socket.getLocalAddress());
                }
                TlsLink link = new TlsLink(timed, tls.get().engine(true), limits, ByteBuffer.allocate(0));
                link.handshake(TimedSocket.deadline(options.handshakeTimeout()));
                return new TcpChannel(link, ByteBuffer.allocate(0)).local(socket.getLocalAddress());
            } catch (IOException | RuntimeException e) {
                socket.close();
                if (timed != null) {
                    timed.close();
                }
                throw new IOException("cannot connect to " + uri + ": " + e.getMessage(), e);
            }
        }
        MigrationUri.File file = (MigrationUri.File) uri;
        return FileChannels.forWriting(file.path());
    }

    /** The destination's end with default {@link TransportOptions}. */
    public static IncomingEndpoint listen(MigrationUri uri) throws IOException {
        return listen(uri, TransportOptions.defaults());
    }

    /**
     * The destination's end: listens on a TCP port (admitting one peer: see {@link TransportOptions}
     * for TLS and the timeouts), or opens a snapshot file to restore.
     */
    public static IncomingEndpoint listen(MigrationUri uri, TransportOptions options) throws IOException {
        checkNotNull(uri, "uri");
        checkNotNull(options, "options");
        if (uri instanceof MigrationUri.Tcp tcp) {
            return TcpEndpoint.bind(tcp, options, tls(options));
        }
        MigrationUri.File file = (MigrationUri.File) uri;
        if (!Files.isReadable(file.path())) {
            throw new IOException("snapshot " + file.path() + " does not exist or is not readable");
        }
        AtomicBoolean closed = new AtomicBoolean();
        return new IncomingEndpoint() {
            @Override
            public MigrationUri address() {
                return file;
            }

            @Override
            public MigrationChannel accept() throws IOException {
                return FileChannels.openForReading(file.path(), options.handshakeTimeout(), closed::get);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
    }
}
