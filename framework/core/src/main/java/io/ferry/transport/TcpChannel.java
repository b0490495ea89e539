package io.ferry.transport;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;

/** A TCP connection: the stream one way, the return path the other. */
final class TcpChannel implements MigrationChannel {
    private static final int SOCKET_BUFFER = 4 << 20;

    private final SocketChannel socket;
    private final String description;

    TcpChannel(SocketChannel socket) throws IOException {
        this.socket = socket;
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        socket.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        socket.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        this.description = "tcp " + socket.getLocalAddress() + " <-> " + socket.getRemoteAddress();
    }

    @Override
    public GatheringByteChannel output() {
        return socket;
    }

    @Override
    public ReadableByteChannel input() {
        return socket;
    }

    @Override
    public boolean hasReturnPath() {
        return true;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
