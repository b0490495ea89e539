package io.ferry.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS over a {@link TimedSocket} with the JDK's {@link SSLEngine}. The engine copies each record's
 * plaintext from the caller's buffers (guest memory) into a 512 KiB network buffer and encrypts it
 * there, so a 1 MiB write costs three socket writes; it decrypts received records in place and
 * copies their plaintext straight into the caller's buffer when it has room for the whole record.
 * Reads and writes may run on two threads at once (the engine allows concurrent wrap and unwrap).
 * Where the time goes, measured: docs/tls-cost.md.
 */
final class TlsLink implements Link {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final int NET_OUT = 512 << 10;
    /** A TLS record header: type, version, length (RFC 8446 5.1). */
    private static final int RECORD_HEADER = 5;
    /** TLS's largest record plaintext (RFC 8446 5.1). */
    private static final int MAX_PLAINTEXT = 1 << 14;
    /** Several records per socket read; measured no cheaper at 512 KiB (docs/tls-cost.md). */
    private static final int NET_IN = 64 << 10;

    private static final Duration ALERT_LIMIT = Duration.ofMillis(500);

    private final TimedSocket socket;
    private final SSLEngine engine;
    private final Limits limits;
    private final Object writeLock = new Object();
    private final ByteBuffer netIn; // read mode: received bytes not yet unwrapped, between position and limit
    private final ByteBuffer appIn; // write mode: decrypted bytes not yet taken by a reader
    private final ByteBuffer netOut;
    private volatile long admissionDeadline = TimedSocket.NEVER;
    private String peer;

    /** @param received bytes already read from the socket (the listener's peek), handed to the engine first */
    TlsLink(TimedSocket socket, SSLEngine engine, Limits limits, ByteBuffer received) {
        this.socket = socket;
        this.engine = engine;
        this.limits = limits;
        int packet = engine.getSession().getPacketBufferSize();
        // Heap buffers on the network side: the engine en- and decrypts records in place there, and JDK 17's
        // AES-GCM is about 25% slower on direct buffers, more than the copy the socket then makes (measured).
        this.netIn = ByteBuffer.allocate(Math.max(NET_IN, packet)).put(received).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        this.netOut = ByteBuffer.allocate(Math.max(NET_OUT, 2 * packet));
    }

    /** Runs the handshake to its end (peer authenticated and authorized) or fails by {@code deadline}. */
    void handshake(long deadline) throws IOException {
        admissionDeadline = deadline;
        try {
            engine.beginHandshake();
            HandshakeStatus hs = engine.getHandshakeStatus();
            while (hs != HandshakeStatus.FINISHED && hs != HandshakeStatus.NOT_HANDSHAKING) {
                hs = switch (hs) {
                    case NEED_WRAP -> wrapHandshake(deadline);
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapHandshake(deadline);
                    case NEED_TASK -> runTasks();
                    default -> throw new SSLException("unexpected handshake status " + hs);
                };
            }
            peer = engine.getSession().getPeerPrincipal().getName();
            admissionDeadline = TimedSocket.NEVER; // a listener sets it again until the stream header is in
        } catch (SSLException e) {
            sendAlert(deadline);
            throw e;
        }
    }

    private HandshakeStatus wrapHandshake(long deadline) throws IOException {
        synchronized (writeLock) {
            netOut.clear();
            SSLEngineResult r = engine.wrap(EMPTY, netOut);
            flush(deadline);
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                throw new SSLException("the TLS session closed during the handshake");
            }
            return r.getHandshakeStatus();
        }
    }

    private HandshakeStatus unwrapHandshake(long deadline) throws IOException {
        SSLEngineResult r = engine.unwrap(netIn, appIn);
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> fill(deadline);
            case CLOSED -> throw new SSLException("the peer closed the TLS session during the handshake");
            default -> {}
        }
        return r.getHandshakeStatus();
    }

    private HandshakeStatus runTasks() {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
        return engine.getHandshakeStatus();
    }

    /** Best effort: tells the peer why the handshake failed (the engine has queued an alert). */
    private void sendAlert(long deadline) {
        try {
            engine.closeOutbound();
            synchronized (writeLock) {
                netOut.clear();
                engine.wrap(EMPTY, netOut);
                flush(Math.min(deadline, TimedSocket.deadline(ALERT_LIMIT)));
            }
        } catch (IOException | RuntimeException e) {
            // the connection is being refused anyway
        }
    }

    private void fill(long deadline) throws IOException {
        netIn.compact();
        int n;
        try {
            n = socket.read(netIn, deadline, limits.handshake(), "handshake-timeout");
        } finally {
            netIn.flip();
        }
        if (n < 0) {
            throw new EOFException("the peer closed the connection during the TLS handshake");
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (appIn) {
            if (appIn.position() > 0) {
                return drainAppIn(dst);
            }
            boolean fits = true;
            while (true) {
                // Reads with room for the next record (frame bodies) get its plaintext straight; small ones
                // (frame headers) and a body's last bytes go through appIn.
                ByteBuffer target = fits && holdsNextRecord(dst) ? dst : appIn;
                SSLEngineResult r = engine.unwrap(netIn, target);
                afterPostHandshake(r.getHandshakeStatus());
                switch (r.getStatus()) {
                    case OK -> {
                        if (r.bytesProduced() > 0) {
                            return target == dst ? r.bytesProduced() : drainAppIn(dst);
                        }
                    }
                    case BUFFER_UNDERFLOW -> {
                        if (readSocket() < 0) {
                            return -1; // cut without close_notify: the frame reader reports the truncation
                        }
                    }
                    case CLOSED -> {
                        return -1;
                    }
                    case BUFFER_OVERFLOW -> {
                        if (target == appIn) {
                            throw new SSLException("TLS record larger than the application buffer");
                        }
                        fits = false; // the engine asks for more room than the record's length: take it through appIn
                    }
                }
            }
        }
    }

    /**
     * Whether {@code dst} has room for the plaintext of the next record: a record's length field
     * (bytes 3-4 of its header) bounds its plaintext. Unknown until the header is in: then only a
     * buffer as large as the engine's largest plaintext is sure to fit.
     */
    private boolean holdsNextRecord(ByteBuffer dst) {
        if (dst.remaining() >= appIn.capacity()) {
            return true;
        }
        return netIn.remaining() >= RECORD_HEADER
                && dst.remaining() >= Short.toUnsignedInt(netIn.getShort(netIn.position() + 3));
    }

    /** Reads more of the stream behind what {@link #netIn} holds; compacts only then, not after every record. */
    private int readSocket() throws IOException {
        netIn.compact();
        try {
            return socket.read(netIn, admissionDeadline, limits);
        } finally {
            netIn.flip();
        }
    }

    /** After the handshake TLS 1.3 still sends session tickets and key updates; answer what needs an answer. */
    private void afterPostHandshake(HandshakeStatus hs) throws IOException {
        if (hs == HandshakeStatus.NEED_TASK) {
            hs = runTasks();
        }
        if (hs == HandshakeStatus.NEED_WRAP) {
            synchronized (writeLock) {
                netOut.clear();
                engine.wrap(EMPTY, netOut);
                flush(TimedSocket.NEVER);
            }
        }
    }

    private int drainAppIn(ByteBuffer dst) {
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        dst.put(appIn.slice(appIn.position(), n));
        appIn.position(appIn.position() + n);
        appIn.compact();
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        int packet = engine.getSession().getPacketBufferSize();
        int end = offset + length;
        synchronized (writeLock) {
            long done = 0;
            int first = offset;
            while (done < total) {
                netOut.clear();
                while (done < total && netOut.remaining() >= packet) {
                    while (!srcs[first].hasRemaining()) {
                        first++;
                    }
                    SSLEngineResult r = engine.wrap(srcs, first, recordWindow(srcs, first, end), netOut);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new ClosedChannelException();
                    }
                    done += r.bytesConsumed();
                }
                flush(TimedSocket.NEVER);
            }
        }
        return total;
    }

    /**
     * How many buffers from {@code first} hold one record's plaintext: the engine looks at every
     * buffer it is given on every record, so a 1 MiB batch of 4 KiB pages passed whole (the batch size
     * then) cost about a sixth of the sender's time.
     */
    private static int recordWindow(ByteBuffer[] srcs, int first, int end) {
        int last = first;
        long bytes = srcs[first].remaining();
        while (bytes < MAX_PLAINTEXT && last + 1 < end) {
            last++;
            bytes += srcs[last].remaining();
        }
        return last - first + 1;
    }

    /** Writes what {@link #netOut} holds (in write mode, from 0). */
    private void flush(long hardDeadline) throws IOException {
        netOut.flip();
        if (hardDeadline == TimedSocket.NEVER) {
            socket.writeFully(netOut, limits.write(), TimedSocket.NEVER, "progress-timeout");
        } else {
            socket.writeFully(netOut, limits.handshake(), hardDeadline, "handshake-timeout");
        }
    }

    @Override
    public void admissionDeadline(long deadline) {
        admissionDeadline = deadline;
    }

    @Override
    public Optional<String> peer() {
        return Optional.ofNullable(peer);
    }

    @Override
    public String describe() {
        return engine.getSession().getProtocol() + " " + engine.getSession().getCipherSuite() + " " + socket.describe()
                + (peer == null ? "" : " peer " + peer);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
