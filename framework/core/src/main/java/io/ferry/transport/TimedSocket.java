package io.ferry.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A TCP socket whose every wait is bounded: non-blocking underneath, each read or write waits in a
 * selector of its own direction (so one thread may read while another writes) until a deadline.
 * {@link #close()} from any thread ends a wait at once.
 */
final class TimedSocket implements Closeable {
    /** No deadline. */
    static final long NEVER = Long.MAX_VALUE;

    private static final int SOCKET_BUFFER = 4 << 20;

    private final SocketChannel socket;
    private final Selector readable;
    private final Selector writable;
    private final String description;

    TimedSocket(SocketChannel socket) throws IOException {
        this.socket = socket;
        Selector r = null;
        Selector w = null;
        try {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            socket.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            socket.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            this.description = socket.getLocalAddress() + " <-> " + socket.getRemoteAddress();
            socket.configureBlocking(false);
            r = Selector.open();
            w = Selector.open();
            socket.register(r, SelectionKey.OP_READ);
            socket.register(w, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
            closeAll(socket, r, w);
            throw e;
        }
        this.readable = r;
        this.writable = w;
    }

    /** A deadline {@code limit} from now. */
    static long deadline(Duration limit) {
        return System.nanoTime() + limit.toNanos();
    }

    String describe() {
        return description;
    }

    /** Reads at least one byte into {@code dst} (which must have room), or returns -1 at end of stream. */
    int read(ByteBuffer dst, long deadline, Duration limit, String parameter) throws IOException {
        while (true) {
            int n = socket.read(dst);
            if (n != 0 || !dst.hasRemaining()) {
                return n;
            }
            await(readable, deadline, "reading from ", limit, parameter);
        }
    }

    /**
     * Reads as a link does: until {@code admission} while the peer is being admitted (unless it is
     * {@link #NEVER}), else as long as {@code limits} let this side wait for the peer.
     */
    int read(ByteBuffer dst, long admission, Link.Limits limits) throws IOException {
        if (admission != NEVER) {
            return read(dst, admission, limits.handshake(), "handshake-timeout");
        }
        if (limits.read().isEmpty()) {
            return read(dst, NEVER, null, null);
        }
        return read(dst, deadline(limits.read().get()), limits.read().get(), "progress-timeout");
    }

    /** Writes all of {@code src}; fails if no byte moves for {@code limit}, or at {@code hardDeadline}. */
    void writeFully(ByteBuffer src, Duration limit, long hardDeadline, String parameter) throws IOException {
        writeFully(new ByteBuffer[] {src}, 0, 1, limit, hardDeadline, parameter);
    }

    /** Gathering form of {@link #writeFully(ByteBuffer, Duration, long, String)}; returns the bytes written. */
    long writeFully(ByteBuffer[] srcs, int offset, int length, Duration limit, long hardDeadline, String parameter)
            throws IOException {
        long total = 0;
        int first = offset;
        int end = offset + length;
        long deadline = Math.min(deadline(limit), hardDeadline);
        while (true) {
            while (first < end && !srcs[first].hasRemaining()) {
                first++;
            }
            if (first == end) {
                return total;
            }
            long n = socket.write(srcs, first, end - first);
            if (n > 0) {
                total += n;
                deadline = Math.min(deadline(limit), hardDeadline);
            } else {
                await(writable, deadline, "writing to ", limit, parameter);
            }
        }
    }

    /** Waits for {@code selector}'s direction; {@code doing} ("reading from ") begins the timeout's message. */
    private void await(Selector selector, long deadline, String doing, Duration limit, String parameter)
            throws IOException {
        long left = deadline == NEVER ? 0 : deadline - System.nanoTime();
        if (deadline != NEVER && left <= 0) {
            throw new ProgressTimeoutException(
                    doing + description, limit, parameter); // built only on failure: waits are hot
        }
        try {
            // select(0) waits without limit; round a positive remainder up so it never becomes 0
            selector.select(deadline == NEVER ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new AsynchronousCloseException();
        }
        if (!socket.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public void close() throws IOException {
        closeAll(socket, readable, writable);
    }

    private static void closeAll(SocketChannel socket, Selector r, Selector w) throws IOException {
        try {
            socket.close();
        } finally {
            for (Selector s : new Selector[] {r, w}) {
                if (s != null) {
                    s.wakeup();
                    s.close();
                }
            }
        }
    }
}
