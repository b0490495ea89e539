package io.ferry.internal.engine;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.transport.DecisionPort;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TransportOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The source's answers to in-doubt destinations: a {@link DecisionPort} on the address the
 * destination reached the source from, secured as channel 0 is, announced in the stream (DECIDER)
 * before END. Each question (ASK) about this migration's stream id gets the source's decision as
 * it is now; after a COMMITTED answer the destination sends its REPORT once the machine runs, which
 * tells the source the destination runs. Questions are answered one at a time, on a thread of its own.
 */
final class DecisionDesk implements AutoCloseable {
    static final int FRAME_LIMIT = 64 << 10;
    private static final System.Logger LOG = MigrationBase.LOG;

    /** What the desk asks of its migration. */
    interface Source {
        /** The decision to answer with now; COMMITTED only once the source has committed. */
        Frame.Verdict answer();

        /** The destination says it runs the machine (its REPORT after a COMMITTED answer). */
        void destinationRuns(Frame.Report report);
    }

    private final DecisionPort port;
    private final long streamId;
    private final Source source;

    private DecisionDesk(DecisionPort port, long streamId, Source source) {
        this.port = port;
        this.streamId = streamId;
        this.source = source;
    }

    /**
     * Opens the desk on channel 0's local address; empty (logged) where there is none (a file, an
     * in-memory channel) or the port cannot be opened: an in-doubt destination then waits for the operator.
     */
    static Optional<DecisionDesk> open(
            MigrationChannel channel0, long streamId, TransportOptions options, Source source, String threadName) {
        Optional<InetSocketAddress> local = channel0.localAddress();
        if (local.isEmpty()) {
            return Optional.empty();
        }
        try {
            DecisionPort port = DecisionPort.open(
                    new MigrationUri.Tcp(local.get().getAddress().getHostAddress(), 0), options);
            DecisionDesk desk = new DecisionDesk(port, streamId, source);
            Thread t = new Thread(desk::serve, threadName);
            t.setDaemon(true);
            t.start();
            return Optional.of(desk);
        } catch (IOException | RuntimeException e) {
            LOG.log(
                    Level.WARNING,
                    "no decision port for stream " + hex(streamId) + " (" + e.getMessage() + "): an in-doubt"
                            + " destination will wait for the operator");
            return Optional.empty();
        }
    }

    /** The DECIDER frame that tells the destination where to ask. */
    Frame.Decider decider() {
        return new Frame.Decider(port.address().host(), port.address().port());
    }

    MigrationUri.Tcp address() {
        return port.address();
    }

    /** Closes the port after {@code linger}: an in-doubt destination may still ask until then. */
    void closeAfter(Duration linger) {
        CompletableFuture.delayedExecutor(linger.toNanos(), TimeUnit.NANOSECONDS)
                .execute(this::close);
    }

    @Override
    public void close() {
        try {
            port.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the decision port " + port.address(), e);
        }
    }

    private void serve() {
        while (port.isOpen()) {
            try (MigrationChannel c = port.accept()) {
                answer(c);
            } catch (IOException | RuntimeException e) {
                if (port.isOpen()) {
                    LOG.log(
                            Level.WARNING,
                            "decision port " + port.address() + " for stream " + hex(streamId) + ": " + e.getMessage());
                }
            }
        }
    }

    /** One question; reads and writes are bounded by the progress timeout (the port's channels). */
    private void answer(MigrationChannel c) throws IOException {
        FrameReader in = new FrameReader(c.input(), FRAME_LIMIT);
        FrameWriter out = new FrameWriter(c.output(), FRAME_LIMIT);
        Frame f = in.next();
        if (!(f instanceof Frame.Ask ask)) {
            out.writeError(new Frame.Error("decision port: expected ASK, found " + f.type()));
            return;
        }
        if (ask.streamId() != streamId) {
            out.writeError(new Frame.Error("decision port: no decision here about stream " + hex(ask.streamId())
                    + "; this port answers about stream " + hex(streamId)));
            return;
        }
        Frame.Verdict verdict = source.answer();
        out.writeDecision(new Frame.Decision(streamId, verdict));
        LOG.log(Level.DEBUG, "stream " + hex(streamId) + ": told the destination " + verdict);
        if (verdict != Frame.Verdict.COMMITTED) {
            return;
        }
        try {
            if (in.next() instanceof Frame.Report report) {
                source.destinationRuns(report);
            }
        } catch (IOException e) { // an asker that has yet to run the machine closes here: it tells later
            LOG.log(
                    Level.DEBUG,
                    "stream " + hex(streamId) + ": no REPORT on this decision connection: " + e.getMessage());
        }
    }

    static String hex(long streamId) {
        return String.format("%016x", streamId);
    }
}
