package io.ferry.internal.engine;

import com.google.common.base.Throwables;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TransportOptions;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A destination's questions to the source's decision port (the DECIDER it announced): connects
 * with the migration's TLS credentials and tls-authz (so only the authenticated source can answer),
 * asks about the stream id, reads the DECISION; after a COMMITTED one it can send its REPORT.
 */
final class DecisionAsker {
    private static final System.Logger LOG = MigrationBase.LOG;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final MigrationUri.Tcp decider;
    private final long streamId;
    private final TransportOptions options;

    DecisionAsker(Frame.Decider decider, long streamId, TransportOptions options) {
        this.decider = new MigrationUri.Tcp(decider.host(), decider.port());
        this.streamId = streamId;
        this.options = options;
    }

    MigrationUri.Tcp decider() {
        return decider;
    }

    /** The stream this asker asks about. */
    long streamId() {
        return streamId;
    }

    /**
     * Asks until the source has decided, for at most {@code limit}, with backoff between attempts;
     * stops early once {@code stop} completes. With {@code report}, a COMMITTED answer is followed by it.
     *
     * @param untilRefused give up when nothing listens at the decider any more (telling, not asking)
     * @return the source's decision, if it gave one in time
     */
    Optional<Frame.Verdict> askUntilDecided(
            Duration limit, CompletableFuture<?> stop, Frame.Report report, boolean untilRefused)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Duration backoff = FIRST_BACKOFF;
        while (!stop.isDone()) {
            try {
                Frame.Verdict v = ask(report);
                if (v != Frame.Verdict.UNDECIDED) {
                    return Optional.of(v);
                }
            } catch (IOException e) {
                LOG.log(
                        Level.DEBUG,
                        "asking " + decider + " about stream " + DecisionDesk.hex(streamId) + ": " + e.getMessage());
                if (untilRefused && Throwables.getRootCause(e) instanceof ConnectException) {
                    return Optional.empty();
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            try {
                stop.get(Math.min(left, backoff.toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // time to ask again
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        return Optional.empty();
    }

    /** One question, bounded by the connect and handshake timeouts, then the progress timeout. */
    private Frame.Verdict ask(Frame.Report report) throws IOException {
        MigrationChannel c = Transports.connect(decider, options);
        try (c;
                Watchdog w = Watchdog.arm(options.progressTimeout(), () -> closeQuietly(c))) {
            FrameWriter out = new FrameWriter(c.output(), DecisionDesk.FRAME_LIMIT);
            out.writeAsk(new Frame.Ask(streamId));
            Frame f = new FrameReader(c.input(), DecisionDesk.FRAME_LIMIT).next();
            if (f instanceof Frame.Error e) {
                throw new IOException("the decision port answered: " + e.message());
            }
            if (!(f instanceof Frame.Decision d) || d.streamId() != streamId) {
                throw new IOException("the decision port answered " + f + ", not a DECISION about stream "
                        + DecisionDesk.hex(streamId));
            }
            if (report != null && d.verdict() == Frame.Verdict.COMMITTED) {
                out.writeReport(report);
            }
            return d.verdict();
        }
    }

    private static void closeQuietly(MigrationChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing a decision connection", e);
        }
    }
}
