package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.base.Ticker;
import java.time.Duration;

/**
 * When to stop iterating (QEMU's {@code migration_iteration_run}): pure policy over measured
 * figures. Time comes from a {@link Ticker}, so decisions can be tested without threads or clocks.
 * Not thread-safe: the migration thread feeds it.
 */
final class Convergence {
    /** What to do after a pass. */
    enum Verdict {
        /** The switchover would take too long: another pass. */
        ITERATE,
        /** Expected downtime is strictly below the limit. */
        CONVERGED,
        /** Not converged, but the iteration cap is reached: complete anyway. */
        CAPPED;

        boolean complete() {
            return this != ITERATE;
        }
    }

    /** A verdict and the downtime expected if the switchover started now. */
    record Decision(Verdict verdict, long expectedDowntimeNanos) {}

    private final Ticker ticker;
    private final long limitNanos;
    private final int cap;
    private long passStart;
    private long iterBytes;
    private long iterNanos;

    Convergence(Ticker ticker, Duration downtimeLimit, int iterationCap) {
        this.ticker = checkNotNull(ticker, "ticker");
        this.limitNanos = downtimeLimit.toNanos();
        checkArgument(iterationCap >= 1, "iteration cap must be >= 1 but was %s", iterationCap);
        this.cap = iterationCap;
    }

    /** Marks the start of a pass's ITERATE. */
    void passStarted() {
        passStart = ticker.read();
    }

    /** Marks the end of a pass that wrote {@code bytes} to the stream. */
    void passEnded(long bytes) {
        iterBytes += bytes;
        iterNanos += ticker.read() - passStart;
    }

    /** Bytes per nanosecond the iterative phase has achieved so far; 0 before any pass. */
    double bandwidth() {
        return iterNanos == 0 ? 0 : (double) iterBytes / iterNanos;
    }

    /**
     * Decides after pass {@code pass} with {@code pendingBytes} still to send. Converged needs the
     * expected downtime strictly below the limit: a limit of 0 accepts no pause, so it runs to the cap.
     */
    Decision decide(int pass, long pendingBytes) {
        double bw = bandwidth();
        long expected = pendingBytes == 0 ? 0 : bw == 0 ? Long.MAX_VALUE : (long) (pendingBytes / bw);
        Verdict v = expected < limitNanos ? Verdict.CONVERGED : pass >= cap ? Verdict.CAPPED : Verdict.ITERATE;
        return new Decision(v, expected);
    }
}
