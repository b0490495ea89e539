package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import io.ferry.migration.DestinationFailedException;
import io.ferry.migration.MigrationException;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The source's reader of the destination's answers, on its own thread for the whole migration
 * (as QEMU's return-path thread): an ERROR aborts the migration at once, whatever the source is
 * doing; a PONG gives a round-trip sample; ACCEPT, ACK and REPORT are queued for the migration thread.
 */
final class ReturnPath {
    private static final int MAX_FRAME = 64 << 10;
    /** Round-trip samples kept; the estimate is their minimum, which filters out queueing behind pass data. */
    private static final int RTT_WINDOW = 8;

    private final BlockingQueue<Frame> answers = new LinkedBlockingQueue<>();
    private final ReadableByteChannel in;
    private final Consumer<MigrationException> abort;
    private final Ticker ticker;
    private final long[] rtt = new long[RTT_WINDOW];
    private long lastPongStamp = Long.MIN_VALUE; // guarded by this
    private int rttSamples; // guarded by this
    private volatile boolean closed;
    private volatile long destinationNanos;

    ReturnPath(ReadableByteChannel in, Consumer<MigrationException> abort, Ticker ticker) {
        this.in = in;
        this.abort = abort;
        this.ticker = ticker;
    }

    void start(String name) {
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        t.start();
    }

    /**
     * The next ACCEPT, ACK or REPORT, waiting at most {@code timeout}.
     *
     * @return null on timeout
     * @throws IOException if the return path ended or broke first
     */
    Frame next(Duration timeout) throws IOException, InterruptedException {
        Frame f = answers.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (f instanceof Frame.Error e) {
            answers.add(e); // the end stays the end for later callers
            throw new IOException(e.message());
        }
        return f;
    }

    /** The smallest of the recent PING round trips, in nanoseconds; 0 before the first. */
    synchronized long roundTripNanos() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < Math.min(rttSamples, RTT_WINDOW); i++) {
            min = Math.min(min, rtt[i]);
        }
        return rttSamples == 0 ? 0 : min;
    }

    /**
     * Waits at most {@code timeout} for the answer to a PING stamped {@code stamp} or later, so a
     * decision knows the round trip and the destination's part as they are since then; returns
     * early, with false, if the return path ended first.
     */
    synchronized boolean awaitPong(long stamp, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((rttSamples == 0 || lastPongStamp < stamp) && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return !closed;
    }

    /** The destination's latest estimate of its part of the switchover, in nanoseconds; 0 before the first PONG. */
    long destinationNanos() {
        return destinationNanos;
    }

    private synchronized void sample(long nanos, long stamp) {
        rtt[rttSamples++ % RTT_WINDOW] = nanos;
        lastPongStamp = Math.max(lastPongStamp, stamp);
        notifyAll();
    }

    private void run() {
        try {
            FrameReader reader = new FrameReader(in, MAX_FRAME);
            while (true) {
                Frame f = reader.next();
                if (f instanceof Frame.Pong p) {
                    destinationNanos = p.destinationNanos();
                    sample(ticker.read() - p.stamp(), p.stamp());
                } else if (f instanceof Frame.Accept || f instanceof Frame.Ack || f instanceof Frame.Report) {
                    answers.add(f);
                } else if (f instanceof Frame.Error e) {
                    fail(new DestinationFailedException(e.message()));
                    return;
                } else {
                    fail(new MigrationException(
                            "return path: expected ACCEPT, ACK, PONG, REPORT or ERROR, found " + f.type()));
                    return;
                }
            }
        } catch (IOException e) {
            // A broken or corrupt return path: stop sending at once rather than at the switchover.
            // After COMMIT, or once the source itself is closing the channel, abort() does nothing.
            fail(new MigrationException("the return path from the destination broke: " + MigrationBase.describe(e), e));
        }
    }

    private void fail(MigrationException failure) {
        if (!closed) {
            closed = true;
            abort.accept(failure);
            answers.add(new Frame.Error(failure.getMessage()));
            synchronized (this) {
                notifyAll(); // no PONG will come: wake a waiter
            }
        }
    }
}
