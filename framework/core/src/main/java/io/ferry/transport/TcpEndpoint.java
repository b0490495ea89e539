package io.ferry.transport;

import io.ferry.stream.BadMagicException;
import io.ferry.stream.ChecksumMismatchException;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamFormatException;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.Admissions.Arrival;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A listening TCP port that admits one migration. A connecting peer is admitted only once it has
 * passed the TLS handshake (when configured) and sent a valid stream header, all within the
 * handshake timeout; anything else is logged and refused (a stream header with Ferry's magic that it
 * cannot read, for its format version, channel count, flags or checksum, it answers with an ERROR
 * frame saying why, as the source's return path expects), and the port keeps listening. A refused
 * header that names a stream whose channel 0 was admitted fails that stream's admission at once,
 * and channel 0 is told why: the source reads answers on channel 0 only.
 * Connections are admitted in parallel, a bounded number at a time ({@link Admissions}). Once a
 * source is admitted, every later connection gets an ERROR frame saying the port is busy.
 */
final class TcpEndpoint implements IncomingEndpoint {
    private static final System.Logger LOG = System.getLogger("io.ferry.transport");
    private static final int ERROR_FRAME_LIMIT = 64 << 10;
    private static final long POLL_MILLIS = 100;
    private static final long NO_DEADLINE = Long.MIN_VALUE;

    private final ServerSocketChannel server;
    private final MigrationUri.Tcp address;
    private final TransportOptions options;
    private final Optional<TlsContext> tls;
    private volatile TimedSocket pending;
    private volatile boolean closed;
    private volatile Admissions admissions;
    private final AtomicBoolean acceptorStarted = new AtomicBoolean();
    /** When channels 1.. of the admitted channel 0's stream must be in; {@link #NO_DEADLINE} before. */
    private volatile long companionDeadline = NO_DEADLINE;
    /** Set once a source is admitted: from then on every connection is told the port is busy. */
    private volatile boolean busy;
    /** Why the accepting thread stopped, other than the endpoint closing. */
    private volatile IOException acceptFailure;
    /** The channels being answered ({@link #answer}), which {@link #close()} closes; guarded by itself. */
    private final Set<TcpChannel> answering = new HashSet<>();

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

    /**
     * Waits for a source and admits it: its channel 0, then (several channels) channels 1.. of its
     * stream, all within one handshake timeout of channel 0's admission. Connections are admitted
     * in parallel ({@link Admissions}), so peers that connect and send nothing do not keep a source
     * waiting; one that fails admission is logged and closed, and the port keeps listening. If one
     * of channels 1.. is refused for its stream header, channel 0 is answered with an ERROR saying
     * so and this fails at once, naming the refusal.
     */
    @Override
    public MigrationChannel accept() throws IOException {
        Admissions admissions = new Admissions("ferry-admit-" + address.port(), e -> {
            if (!(e instanceof AnsweredRefusal)) { // logged before its answer
                LOG.log(
                        Level.WARNING,
                        "incoming " + address + ": refused a peer before reading any frame: " + e.getMessage());
            }
        });
        companionDeadline = NO_DEADLINE; // a failed accept() before this one leaves no deadline behind
        this.admissions = admissions;
        AdmittedStream stream = new AdmittedStream();
        boolean admitted = false;
        try {
            startAcceptor();
            while (true) {
                if (closed) {
                    throw new AsynchronousCloseException();
                }
                IOException failed = acceptFailure;
                if (failed != null) {
                    throw new IOException("incoming " + address + ": cannot accept: " + failed.getMessage(), failed);
                }
                long wait = stream.millisLeft().orElse(POLL_MILLIS);
                Arrival a = admissions.poll(Math.max(1, Math.min(wait, POLL_MILLIS)));
                if (a instanceof Arrival.Admitted c) {
                    stream.place(c.channel());
                } else if (a instanceof Arrival.Refused r) {
                    stream.refused(r);
                }
                Optional<TcpChannel> whole = stream.whole();
                if (whole.isPresent()) {
                    busy = true;
                    admissions.busy( // so is every one admitted meanwhile
                            peer -> tellBusy(peer, TimedSocket.deadline(options.handshakeTimeout())));
                    admitted = true;
                    return whole.get();
                }
                stream.checkDeadline();
            }
        } catch (IOException | RuntimeException e) {
            stream.closeAll();
            throw e;
        } finally {
            if (!admitted) {
                admissions.close(); // connections still in flight, and channels admitted but not taken
            }
        }
    }

    /** Tells a peer that the port is busy with another migration, and closes the channel ({@link #answer}). */
    private void tellBusy(TcpChannel c, long deadline) {
        answer(c, "incoming port " + address + " is busy with another migration; connection refused", deadline);
    }

    /**
     * Tells a peer why its stream header was refused, in the stream's own terms: an ERROR frame, as
     * a destination reports any failure on the return path, so the source fails naming the reason
     * rather than seeing its connection closed; then closes the connection ({@link #answer}) by the
     * admission's own {@code deadline}, so a refused peer holds its slot no longer than an admitted
     * one could. Returns the admission's failure to throw. A header without Ferry's magic gets no
     * answer and is only closed: that peer is no Ferry source (a port scan, an HTTP client, a
     * mistyped port), a frame would mean nothing to it or be misread as its own protocol, and
     * waiting for it to close would hold an admission slot for nothing.
     */
    private IOException answerRefusedHeader(
            Link link, byte[] header, StreamFormatException refused, long deadline, Admissions admissions) {
        if (refused instanceof BadMagicException) {
            return refused;
        }
        String why = refusedTheStream(refused.getMessage());
        // Logged now: the answer waits for the peer to close, and an admission evicted meanwhile is not logged.
        LOG.log(Level.WARNING, why + " (answered with an ERROR)");
        // Before the answer, which waits for the peer to close: a companion's source waits on channel 0.
        admissions.refused(refusal(link, header, refused));
        answer(new TcpChannel(link, ByteBuffer.allocate(0)), why, deadline);
        return new AnsweredRefusal(refused);
    }

    /**
     * Which stream a refused header belongs to, as far as it can be told. The stream id is taken
     * from where versions 2 and 3 keep it, whatever the refusal: from a header whose checksum fails,
     * or of a version whose layout this reader does not know, those bytes may be anything, but they
     * are only ever compared with the id of a stream whose channel 0 was admitted ({@link
     * AdmittedStream#refused}), a random 64-bit value that corrupt bytes match by chance once in
     * 2^64. Bytes that match it are that stream's id: the connection is one of its channels, and
     * the stream cannot be whole. The channel index is given only where the header is to be
     * believed: its checksum holds and its version is one this reader knows (for another version,
     * the index may not be where 2 and 3 keep it).
     */
    private static Arrival.Refused refusal(Link link, byte[] header, StreamFormatException refused) {
        ByteBuffer b = ByteBuffer.wrap(header);
        int version = Short.toUnsignedInt(b.getShort(8));
        boolean trusted = !(refused instanceof ChecksumMismatchException)
                && (version == StreamHeader.FORMAT_VERSION || version == StreamHeader.SEVERAL_CHANNELS_VERSION);
        OptionalInt index = trusted ? OptionalInt.of(Short.toUnsignedInt(b.getShort(12))) : OptionalInt.empty();
        return new Arrival.Refused(b.getLong(16), index, link.peer(), refused.getMessage());
    }

    /** What a peer whose stream is refused is told, {@code why} after it. */
    private String refusedTheStream(String why) {
        return "incoming " + address + " refused the stream: " + why;
    }

    /** A refused stream header that was logged and answered: the admission's failure, not logged again. */
    private static final class AnsweredRefusal extends IOException {
        private static final long serialVersionUID = 1L;

        AnsweredRefusal(StreamFormatException refused) {
            super(refused.getMessage(), refused);
        }
    }

    /**
     * Sends {@code message} as an ERROR frame, reads what the peer still sends until it closes or
     * {@code deadline} passes, and closes the channel: closing with unread data would reset the
     * connection and could destroy the ERROR before the peer reads it. The endpoint's {@link
     * #close()} ends that wait at once (it closes the channel), but not the ERROR, which is written
     * first whether the endpoint is open or not: a destination whose {@code accept()} fails closes
     * its endpoint at once, and channel 0's answer must still reach its source. (An ERROR of a few
     * hundred bytes does not wait for the peer to read; if it did, progress-timeout would bound it.)
     */
    private void answer(TcpChannel c, String message, long deadline) {
        try (c) {
            new FrameWriter(c.output(), ERROR_FRAME_LIMIT).writeError(new Frame.Error(message));
            synchronized (answering) {
                if (closed) {
                    return; // close() has run: no wait
                }
                answering.add(c);
            }
            c.readsEndBy(deadline);
            ByteBuffer sink = ByteBuffer.allocate(4 << 10);
            while (c.input().read(sink.clear()) >= 0) {
                // discard
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "incoming " + address + ": answering a refused peer: " + e.getMessage());
        } finally {
            synchronized (answering) {
                answering.remove(c);
            }
        }
    }

    /** Busy answers to other streams' channel 0s that may be under way at once (see AdmittedStream.refuse). */
    private final Semaphore busyAnswers = new Semaphore(Admissions.MAX_IN_FLIGHT);

    /**
     * The channels admitted so far: channel 0 of the first stream to arrive, and its channels 1..;
     * channels 1.. that arrive before their channel 0 wait for it, and so do refusals of headers
     * (channel 0's stream fails if one of them names it).
     */
    private final class AdmittedStream {
        private TcpChannel first;
        private MigrationChannel[] got;
        private final List<TcpChannel> early = new ArrayList<>();
        private final List<Arrival.Refused> earlyRefusals = new ArrayList<>();

        void place(TcpChannel c) throws PeerRefusedException {
            StreamHeader h = c.header().orElseThrow();
            if (first == null && h.channelIndex() == 0) {
                first = c;
                got = new MigrationChannel[h.channelCount()];
                got[0] = c;
                companionDeadline = TimedSocket.deadline(options.handshakeTimeout());
                List<Arrival.Refused> refusals = new ArrayList<>(earlyRefusals);
                earlyRefusals.clear();
                for (Arrival.Refused r : refusals) {
                    refused(r);
                }
                List<TcpChannel> waiting = new ArrayList<>(early);
                early.clear();
                for (TcpChannel w : waiting) {
                    place(w);
                }
            } else if (first == null) {
                early.add(c);
                if (early.size() > Admissions.MAX_IN_FLIGHT) {
                    refuse(early.remove(0), "its channel 0 did not arrive");
                }
            } else if (!belongs(h)) {
                StreamHeader s = first.header().orElseThrow();
                refuse(
                        c,
                        "channel " + h.channelIndex() + " of " + h.channelCount() + " of stream "
                                + Long.toHexString(h.streamId()) + " is no missing channel of stream "
                                + Long.toHexString(s.streamId()));
            } else if (!c.peer().equals(first.peer())) {
                refuse(
                        c,
                        "channel " + h.channelIndex() + " of stream " + Long.toHexString(h.streamId()) + " came from "
                                + c.peer().orElse("a peer without TLS") + ", its channel 0 from "
                                + first.peer().orElse("a peer without TLS"));
            } else {
                got[h.channelIndex()] = c;
            }
        }

        /**
         * A stream header was refused (and its peer answered). If it names channel 0's stream, from
         * channel 0's peer, and is not a channel 0 itself, the stream can never be whole: channel 0
         * is told why (on a thread of its own, the answer waits for the source to close) and this
         * fails at once, rather than at the handshake timeout saying a channel did not arrive.
         */
        void refused(Arrival.Refused r) throws PeerRefusedException {
            if (first == null) {
                earlyRefusals.add(r);
                if (earlyRefusals.size() > Admissions.MAX_IN_FLIGHT) {
                    earlyRefusals.remove(0);
                }
                return;
            }
            StreamHeader s = first.header().orElseThrow();
            if (r.streamId() != s.streamId()
                    || r.channelIndex().orElse(1) == 0
                    || !r.peer().equals(first.peer())) {
                return; // logged and answered as a peer of its own
            }
            String channel =
                    r.channelIndex().isPresent() ? "channel " + r.channelIndex().getAsInt() : "a channel";
            String why = channel + " of stream " + Long.toHexString(s.streamId()) + " was refused: " + r.why();
            TcpChannel zero = first;
            got[0] = null; // answered, not closed with the rest
            long deadline = TimedSocket.deadline(options.handshakeTimeout());
            admissions
                    .thread(() -> answer(zero, refusedTheStream(why), deadline))
                    .start();
            throw new PeerRefusedException("incoming " + address + ": " + why, null);
        }

        private boolean belongs(StreamHeader h) {
            StreamHeader s = first.header().orElseThrow();
            return h.streamId() == s.streamId()
                    && h.channelCount() == s.channelCount()
                    && h.channelIndex() > 0
                    && got[h.channelIndex()] == null;
        }

        /** Channel 0 with every channel of its stream, once they are all admitted. */
        Optional<TcpChannel> whole() {
            if (first == null || Arrays.asList(got).contains(null)) {
                return Optional.empty();
            }
            first.companions(Arrays.asList(got).subList(1, got.length));
            early.forEach(c -> refuse(c, "another stream was admitted"));
            early.clear();
            return Optional.of(first);
        }

        /** Milliseconds left for channels 1.. to arrive, once channel 0 has. */
        OptionalLong millisLeft() {
            return first == null
                    ? OptionalLong.empty()
                    : OptionalLong.of(TimeUnit.NANOSECONDS.toMillis(companionDeadline - System.nanoTime()));
        }

        void checkDeadline() throws PeerRefusedException {
            if (first != null && companionDeadline - System.nanoTime() <= 0) {
                long missing = Arrays.stream(got).filter(g -> g == null).count();
                throw new PeerRefusedException(
                        "stream "
                                + Long.toHexString(first.header().orElseThrow().streamId()) + ": " + missing
                                + " of its " + got.length + " channels did not arrive within handshake-timeout ("
                                + options.handshakeTimeout().toMillis() + " ms)",
                        null);
            }
        }

        void closeAll() {
            if (got != null) {
                for (MigrationChannel g : got) {
                    if (g != null) {
                        Admissions.closeQuietly(g);
                    }
                }
            }
            early.forEach(Admissions::closeQuietly);
            early.clear();
        }

        /**
         * Refuses a connection that is no missing channel of the stream being admitted. A channel
         * 0 (another source, whose return path it is) is told the port is busy, or, if it names the
         * stream being admitted, that this stream's channel 0 is being admitted already; on a thread
         * of its own, as the answer waits for the source to close. Channels 1.., where nothing is
         * read, are only closed.
         */
        private void refuse(TcpChannel c, String why) {
            LOG.log(Level.WARNING, "incoming " + address + ": refused a peer while admitting a migration: " + why);
            // At most MAX_IN_FLIGHT answers at a time: each holds a thread and a socket until its peer
            // closes, and a peer sending channel 0 headers in a loop must not exhaust either.
            StreamHeader h = c.header().orElseThrow();
            if (h.channelIndex() == 0 && busyAnswers.tryAcquire()) {
                long deadline = TimedSocket.deadline(options.handshakeTimeout());
                // Not why: that names the stream being admitted, whose id is all that ties its channels.
                // A channel 0 that sent that id already knows it, and is told what is so.
                String answer = first != null
                                && h.streamId() == first.header().orElseThrow().streamId()
                        ? "incoming port " + address
                                + " is already admitting channel 0 of this stream; a second channel 0 is refused"
                        : "incoming port " + address + " is busy admitting another stream; connection refused";
                admissions
                        .thread(() -> {
                            try {
                                answer(c, answer, deadline);
                            } finally {
                                busyAnswers.release();
                            }
                        })
                        .start();
            } else {
                Admissions.closeQuietly(c);
            }
        }
    }

    /**
     * The port's one accepting thread: until a source is admitted it hands each connection to the
     * admissions, by the deadline of its stream's channels where channel 0 is in; then it tells
     * every further peer that the port is busy, until the endpoint is closed.
     */
    private void startAcceptor() {
        if (acceptorStarted.getAndSet(true)) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    while (!closed) {
                        SocketChannel s;
                        try {
                            s = server.accept();
                        } catch (IOException e) {
                            if (!closed) { // out of file descriptors, say: accept() says so, not hangs
                                acceptFailure = e;
                            }
                            return;
                        }
                        try {
                            if (busy) {
                                refuse(s);
                            } else {
                                admit(s);
                            }
                        } catch (RuntimeException | Error e) { // a thread that cannot start, say
                            Admissions.closeQuietly(s);
                            acceptFailure = new IOException("admitting a connection failed: " + e, e);
                            return;
                        }
                    }
                },
                "ferry-accept-" + address.port());
        t.setDaemon(true);
        t.start();
    }

    private void admit(SocketChannel s) {
        TimedSocket socket;
        try {
            socket = new TimedSocket(s);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "incoming " + address + ": " + e.getMessage());
            return;
        }
        long own = TimedSocket.deadline(options.handshakeTimeout());
        long stream = companionDeadline;
        long deadline = stream != NO_DEADLINE && stream - own < 0 ? stream : own;
        Admissions a = admissions;
        a.start(socket, sock -> admit(sock, deadline, a));
    }

    /** TLS handshake (if configured) and a valid stream header, by {@code deadline}. */
    private TcpChannel admit(TimedSocket socket, long deadline, Admissions admissions) throws IOException {
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
            StreamHeader h;
            try {
                h = new FrameReader(Channels.newChannel(new ByteArrayInputStream(header.array())), 1024).readHeader();
            } catch (StreamFormatException e) {
                throw answerRefusedHeader(link, header.array(), e, deadline, admissions);
            }
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
            throw new AsynchronousCloseException();
        }
        return socket;
    }

    private Link openLink(TimedSocket socket, long deadline, ByteBuffer plain) throws IOException {
        return Admission.openLink(socket, deadline, plain, options, tls, options.tlsRequired());
    }

    /** A connection that arrived after the source was admitted: the TLS handshake, then the busy answer. */
    private void refuse(SocketChannel s) {
        long deadline = TimedSocket.deadline(options.handshakeTimeout());
        try (TimedSocket socket = open(s)) {
            Link link = openLink(socket, deadline, ByteBuffer.allocate(StreamHeader.SIZE));
            tellBusy(new TcpChannel(link, ByteBuffer.allocate(0)), deadline);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "incoming " + address + ": refusing a peer while busy: " + e.getMessage());
        } finally {
            pending = null;
        }
    }

    /**
     * Stops listening: closes the port, the admissions in flight, and the connections still being
     * answered ({@link #answer}), whose threads then end at once rather than at their deadline.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        try {
            server.close();
        } finally {
            Admissions a = admissions;
            if (a != null) {
                a.close();
            }
            List<TcpChannel> answers;
            synchronized (answering) { // an answer that starts after this sees closed
                answers = new ArrayList<>(answering);
                answering.clear();
            }
            answers.forEach(Admissions::closeQuietly); // their drains, and threads, end at once
            TimedSocket p = pending;
            if (p != null) {
                p.close();
            }
        }
    }
}
