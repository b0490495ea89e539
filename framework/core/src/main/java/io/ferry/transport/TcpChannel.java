package io.ferry.transport;

import io.ferry.stream.StreamHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * A TCP connection, plain or TLS: the stream one way, the return path the other. Reads return
 * first the bytes the listener already read to admit the peer (the stream header), then the link's.
 */
final class TcpChannel implements MigrationChannel {
    private final Link link;
    private final ByteBuffer replay;
    private final ReadableByteChannel in = new In();
    private final GatheringByteChannel out = new Out();
    private volatile boolean open = true;
    private volatile List<MigrationChannel> companions = List.of();
    private final Optional<StreamHeader> header;
    private volatile Optional<java.net.InetSocketAddress> local = Optional.empty();

    TcpChannel(Link link, ByteBuffer replay) {
        this(link, replay, Optional.empty());
    }

    /** An admitted peer: {@code header} is the stream header it sent (and {@code replay} holds). */
    TcpChannel(Link link, ByteBuffer replay, Optional<StreamHeader> header) {
        this.link = link;
        this.replay = replay;
        this.header = header;
    }

    /** From now on its reads end by {@code deadline} ({@link TimedSocket#deadline}), however the peer drips. */
    void readsEndBy(long deadline) {
        link.admissionDeadline(deadline);
    }

    /** The stream header an admitted peer sent. */
    Optional<StreamHeader> header() {
        return header;
    }

    /** The local address of a connection this side opened. */
    TcpChannel local(java.net.SocketAddress address) {
        local = Optional.of((java.net.InetSocketAddress) address);
        return this;
    }

    @Override
    public Optional<java.net.InetSocketAddress> localAddress() {
        return local;
    }

    void companions(List<MigrationChannel> others) {
        companions = List.copyOf(others);
    }

    @Override
    public List<MigrationChannel> companions() {
        return companions;
    }

    /** The peer's authenticated certificate subject, if TLS. */
    Optional<String> peer() {
        return link.peer();
    }

    @Override
    public GatheringByteChannel output() {
        return out;
    }

    @Override
    public ReadableByteChannel input() {
        return in;
    }

    @Override
    public boolean hasReturnPath() {
        return true;
    }

    @Override
    public String describe() {
        return link.describe();
    }

    @Override
    public void close() throws IOException {
        open = false;
        try {
            link.close();
        } finally {
            for (MigrationChannel c : companions) {
                c.close();
            }
        }
    }

    private final class In implements ReadableByteChannel {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            synchronized (replay) {
                if (replay.hasRemaining()) {
                    int n = Math.min(replay.remaining(), dst.remaining());
                    dst.put(replay.slice(replay.position(), n));
                    replay.position(replay.position() + n);
                    return n;
                }
            }
            return link.read(dst);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            TcpChannel.this.close();
        }
    }

    private final class Out implements GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return link.write(srcs, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            TcpChannel.this.close();
        }
    }
}
