package io.ferry.transport;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * A listening TCP port that admits one migration. A connecting peer is admitted only once it has
 * passed the TLS handshake (when configured) and sent a valid stream header, all within the
 * handshake timeout; anything else is logged and refused, and the port keeps listening. Once a
 * peer is admitted, every later connection gets an ERROR frame saying the port is busy.
 */
final class TcpEndpoint implements IncomingEndpoint {
    private static final System.Logger LOG = System.getLogger("io.ferry.transport");
    private static final int ERROR_FRAME_LIMIT = 64 << 10;

    private final ServerSocketChannel server;
    private final MigrationUri.Tcp address;
    private final TransportOptions options;
    private final Optional<TlsContext> tls;
    private volatile TimedSocket pending;
    private volatile boolean closed;

    private TcpEndpoint(
            ServerSocketChannel server, MigrationUri.Tcp address, TransportOptions options, Optional<TlsContext> tls) {
        this.server = server;
        this.address = address;
        this.options = options;
        this.tls = tls;
    }

    static TcpEndpoint bind(MigrationUri.Tcp uri, TransportOptions options, Optional<TlsContext> tls)
            throws IOException {
        ServerSocketChannel server = Admission.bind(uri, "listen");
        return new TcpEndpoint(server, Admission.boundAddress(server, uri), options, tls);
    }

    @Override
    public MigrationUri address() {
        return address;
    }

    @Override
    public MigrationChannel accept() throws IOException {
        while (true) {
            SocketChannel s = server.accept(); // throws once the endpoint is closed
            TcpChannel admitted;
            try {
                admitted = admit(s, TimedSocket.deadline(options.handshakeTimeout()));
                StreamHeader h = admitted.header().orElseThrow();
                if (h.channelIndex() != 0) {
                    admitted.close();
                    throw new PeerRefusedException(
                            "channel " + h.channelIndex() + " of " + h.channelCount()
                                    + " arrived before channel 0 of its stream",
                            null);
                }
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    throw e;
                }
                LOG.log(
                        Level.WARNING,
                        "incoming " + address + ": refused a peer before reading any frame: " + e.getMessage());
                continue;
            } finally {
                pending = null;
            }
            admitCompanions(admitted);
            refuseOthers(admitted.describe());
            return admitted;
        }
    }

    /**
     * Several channels: admits channels 1.. of channel 0's stream (same stream id and count, each
     * index once), all within one handshake timeout; a peer of another stream is refused and logged.
     * If they do not all arrive, channel 0 is closed and the accept fails.
     */
    private void admitCompanions(TcpChannel first) throws IOException {
        StreamHeader h = first.header().orElseThrow();
        int count = h.channelCount();
        if (count == 1) {
            return;
        }
        MigrationChannel[] got = new MigrationChannel[count];
        got[0] = first;
        long deadline = TimedSocket.deadline(options.handshakeTimeout());
        try {
            for (int missing = count - 1; missing > 0; ) {
                long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new PeerRefusedException(
                            "stream " + Long.toHexString(h.streamId()) + ": " + missing + " of its "
                                    + count + " channels did not arrive within handshake-timeout ("
                                    + options.handshakeTimeout().toMillis() + " ms)",
                            null);
                }
                server.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                SocketChannel s;
                try {
                    s = server.socket().accept().getChannel();
                } catch (java.net.SocketTimeoutException e) {
                    continue;
                }
                if (admitCompanion(s, h, got, deadline)) {
                    missing--;
                }
            }
            first.companions(java.util.Arrays.asList(got).subList(1, count));
        } catch (IOException | RuntimeException e) {
            first.close();
            for (int i = 1; i < count; i++) {
                if (got[i] != null) {
                    got[i].close();
                }
            }
            throw e;
        } finally {
            if (!closed) {
                server.socket().setSoTimeout(0);
            }
        }
    }

    /**
     * Admits one peer as channel {@code i} of {@code stream} into {@code got[i]} by the stream's
     * {@code deadline}; false (logged) if it is not one.
     */
    private boolean admitCompanion(SocketChannel s, StreamHeader stream, MigrationChannel[] got, long deadline)
            throws IOException {
        try {
            TcpChannel c = admit(s, deadline);
            StreamHeader h = c.header().orElseThrow();
            if (h.streamId() != stream.streamId()
                    || h.channelCount() != stream.channelCount()
                    || h.channelIndex() == 0
                    || got[h.channelIndex()] != null) {
                c.close();
                throw new PeerRefusedException(
                        "channel " + h.channelIndex() + " of " + h.channelCount() + " of stream "
                                + Long.toHexString(h.streamId()) + " is no missing channel of stream "
                                + Long.toHexString(stream.streamId()),
                        null);
            }
            got[h.channelIndex()] = c;
            return true;
        } catch (IOException | RuntimeException e) {
            if (closed) {
                throw e;
            }
            LOG.log(
                    Level.WARNING,
                    "incoming " + address + ": refused a peer while admitting the channels of a" + " migration: "
                            + e.getMessage());
            return false;
        } finally {
            pending = null;
        }
    }

    /** TLS handshake (if configured) and a valid stream header, by {@code deadline}. */
    private TcpChannel admit(SocketChannel s, long deadline) throws IOException {
        TimedSocket socket = open(s);
        try {
            ByteBuffer header = ByteBuffer.allocate(StreamHeader.SIZE);
            Link link = openLink(socket, deadline, header);
            link.admissionDeadline(deadline);
            while (header.hasRemaining()) {
                if (link.read(header) < 0) {
                    throw new EOFException("the peer closed the connection before sending a stream header");
                }
            }
            link.admissionDeadline(TimedSocket.NEVER);
            StreamHeader h =
                    new FrameReader(Channels.newChannel(new ByteArrayInputStream(header.array())), 1024).readHeader();
            return new TcpChannel(link, ByteBuffer.wrap(header.array()), Optional.of(h));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private TimedSocket open(SocketChannel s) throws IOException {
        TimedSocket socket = new TimedSocket(s);
        pending = socket;
        if (closed) {
            socket.close();
            throw new java.nio.channels.AsynchronousCloseException();
        }
        return socket;
    }

    private Link openLink(TimedSocket socket, long deadline, ByteBuffer plain) throws IOException {
        return Admission.openLink(socket, deadline, plain, options, tls, options.tlsRequired());
    }

    /** From now on this port is busy: tells every further peer so, until the endpoint is closed. */
    private void refuseOthers(String busyWith) {
        Thread t = new Thread(
                () -> {
                    while (!closed) {
                        try {
                            refuse(server.accept(), busyWith);
                        } catch (IOException e) {
                            return; // the endpoint closed
                        }
                    }
                },
                "ferry-busy-" + address.port());
        t.setDaemon(true);
        t.start();
    }

    private void refuse(SocketChannel s, String busyWith) {
        long deadline = TimedSocket.deadline(options.handshakeTimeout());
        try (TimedSocket socket = open(s)) {
            Link link = openLink(socket, deadline, ByteBuffer.allocate(StreamHeader.SIZE));
            TcpChannel channel = new TcpChannel(link, ByteBuffer.allocate(0));
            new FrameWriter(channel.output(), ERROR_FRAME_LIMIT)
                    .writeError(new Frame.Error(
                            "incoming port " + address + " is busy with another migration; connection refused"));
            // Read until the peer closes (it does on reading the ERROR): closing with unread data would reset the
            // connection and could destroy the ERROR before the peer reads it.
            link.admissionDeadline(deadline);
            ByteBuffer sink = ByteBuffer.allocateDirect(64 << 10);
            while (link.read(sink.clear()) >= 0) {
                // discard
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "incoming " + address + ": refusing a peer while busy: " + e.getMessage());
        } finally {
            pending = null;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        try {
            server.close();
        } finally {
            TimedSocket p = pending;
            if (p != null) {
                p.close();
            }
        }
    }
}
