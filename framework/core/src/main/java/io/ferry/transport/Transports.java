package io.ferry.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;

/** Opens the ends of a migration stream by URI. */
public final class Transports {
    /** How long connecting to a destination may take. */
    public static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private Transports() {}

    /** The source's end: connects to a listening destination, or creates a snapshot file. */
    public static MigrationChannel connect(MigrationUri uri) throws IOException {
        checkNotNull(uri, "uri");
        if (uri instanceof MigrationUri.Tcp tcp) {
            SocketChannel socket = SocketChannel.open();
            try {
                // Bounded: an unreachable host must not hold a migration in SETUP for the OS's minutes.
                socket.socket().connect(new InetSocketAddress(tcp.host(), tcp.port()), CONNECT_TIMEOUT_MILLIS);
                return new TcpChannel(socket);
            } catch (IOException e) {
                socket.close();
                throw new IOException("cannot connect to " + uri + ": " + e.getMessage(), e);
            }
        }
        MigrationUri.File file = (MigrationUri.File) uri;
        return FileChannels.forWriting(file.path());
    }

    /** The destination's end: listens on a TCP port, or opens a snapshot file to restore. */
    public static IncomingEndpoint listen(MigrationUri uri) throws IOException {
        checkNotNull(uri, "uri");
        if (uri instanceof MigrationUri.Tcp tcp) {
            ServerSocketChannel server = ServerSocketChannel.open();
            try {
                server.bind(new InetSocketAddress(tcp.host(), tcp.port()), 1);
            } catch (IOException e) {
                server.close();
                throw new IOException("cannot listen on " + uri + ": " + e.getMessage(), e);
            }
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            MigrationUri bound = new MigrationUri.Tcp(tcp.host(), port);
            return new IncomingEndpoint() {
                @Override
                public MigrationUri address() {
                    return bound;
                }

                @Override
                public MigrationChannel accept() throws IOException {
                    return new TcpChannel(server.accept());
                }

                @Override
                public void close() throws IOException {
                    server.close();
                }
            };
        }
        MigrationUri.File file = (MigrationUri.File) uri;
        if (!Files.isReadable(file.path())) {
            throw new IOException("snapshot " + file.path() + " does not exist or is not readable");
        }
        return new IncomingEndpoint() {
            @Override
            public MigrationUri address() {
                return file;
            }

            @Override
            public MigrationChannel accept() throws IOException {
                return FileChannels.forReading(file.path());
            }

            @Override
            public void close() {}
        };
    }
}
