package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.base.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When to stop iterating, and what the switchover will cost (QEMU's {@code migration_iteration_run},
 * with a fuller cost model): pure policy over measured figures. Time comes from a {@link Ticker},
 * so decisions can be tested without threads or clocks. Not thread-safe: the migration thread feeds it.
 *
 * <p>Expected downtime = cost of stopping + (bytes pending + bytes COMPLETE handlers will emit) /
 * bandwidth + the destination's part (its LOAD_COMPLETE and start, as it reports) + 1.5 round
 * trips (END out, ACK back, COMMIT out) + what the last attempt took beyond its prediction.
 * Bandwidth is bytes over time of the last {@link #WINDOW} passes, so it follows the link as it
 * is now rather than the average since the start; once an attempt has measured RAM's final pass
 * with the machine stopped, the slower of the two.
 */
final class Convergence {
    /** Passes the bandwidth estimate looks back over. */
    static final int WINDOW = 3;
    /** The fewest bytes of a final pass that say how fast the stopped machine's RAM goes out. */
    static final long MIN_FINAL_PASS_SAMPLE = 1 << 20;

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

    /**
     * What the switchover still has to do, as measured or declared now.
     *
     * @param pendingBytes the ITERATE handlers' pending estimates
     * @param completeBytes what COMPLETE handlers declare they will emit beyond that
     * @param destinationNanos the destination's LOAD_COMPLETE and start, as it reports
     * @param roundTripNanos the return path's round trip
     */
    record Work(long pendingBytes, long completeBytes, long destinationNanos, long roundTripNanos) {
        static Work pending(long bytes) {
            return new Work(bytes, 0, 0, 0);
        }
    }

    private record Sample(long bytes, long nanos) {}

    private final Ticker ticker;
    private final long limitNanos;
    private final int cap;
    private final Deque<Sample> window = new ArrayDeque<>();
    private long passStart;
    private long stopNanos;
    private long surplusNanos;
    private double finalPassBandwidth;
    private Work lastWork = Work.pending(0);

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
        window.addLast(new Sample(bytes, ticker.read() - passStart));
        if (window.size() > WINDOW) {
            window.removeFirst();
        }
    }

    /** Bytes per nanosecond over the last passes; 0 before any pass or if they moved nothing. */
    double bandwidth() {
        long bytes = 0;
        long nanos = 0;
        for (Sample s : window) {
            bytes += s.bytes;
            nanos += s.nanos;
        }
        return nanos == 0 || bytes == 0 ? 0 : (double) bytes / nanos;
    }

    /**
     * What one switchover attempt measured.
     *
     * @param stoppingNanos from the stop request to every vCPU at its safepoint
     * @param actualNanos the attempt's downtime (to the step-back, if it stepped back)
     * @param finalPassBytes what RAM's final pass wrote
     * @param finalPassNanos from RAM's final pass starting to the stream drained behind it (END written)
     * @param destinationNanos the destination's END read to ACK written, 0 if it did not get that far
     */
    record Attempt(
            long stoppingNanos, long actualNanos, long finalPassBytes, long finalPassNanos, long destinationNanos) {}

    /**
     * Learns from an attempt at the work last decided on: the cost of stopping, how fast RAM's final
     * pass went with the machine stopped (samples under {@link #MIN_FINAL_PASS_SAMPLE} bytes are too
     * small to tell), and the surplus: what the attempt took beyond the prediction redone with what
     * it measured (the destination's part included), never less than 0. Each attempt replaces what
     * the one before taught.
     */
    void learn(Attempt a) {
        stopNanos = Math.max(0, a.stoppingNanos());
        if (a.finalPassBytes() >= MIN_FINAL_PASS_SAMPLE && a.finalPassNanos() > 0) {
            finalPassBandwidth = (double) a.finalPassBytes() / a.finalPassNanos();
        }
        surplusNanos = 0;
        Work measured = new Work(
                lastWork.pendingBytes(),
                lastWork.completeBytes(),
                Math.max(lastWork.destinationNanos(), a.destinationNanos()),
                lastWork.roundTripNanos());
        long explained = expectedDowntime(measured);
        surplusNanos = explained == Long.MAX_VALUE ? 0 : Math.max(0, a.actualNanos() - explained);
    }

    /** The downtime to expect if the switchover started now with {@code work} left. */
    long expectedDowntime(Work work) {
        long bytes = work.pendingBytes() + work.completeBytes();
        double bw = finalPassBandwidth > 0 && bandwidth() > 0 ? Math.min(bandwidth(), finalPassBandwidth) : bandwidth();
        if (bytes > 0 && bw == 0) {
            return Long.MAX_VALUE;
        }
        long transfer = bytes == 0 ? 0 : (long) (bytes / bw);
        return saturatedSum(stopNanos, transfer, afterEnd(work), surplusNanos);
    }

    /** What follows the end of the stream: the destination's part and 1.5 round trips (END out, ACK back, COMMIT out). */
    static long afterEnd(Work work) {
        return saturatedSum(work.destinationNanos(), work.roundTripNanos() * 3 / 2);
    }

    /**
     * Decides after pass {@code pass}. Converged needs the expected downtime strictly below the
     * limit: a limit of 0 accepts no pause, so it runs to the cap.
     */
    Decision decide(int pass, Work work) {
        lastWork = work;
        long expected = expectedDowntime(work);
        Verdict v = expected < limitNanos ? Verdict.CONVERGED : pass >= cap ? Verdict.CAPPED : Verdict.ITERATE;
        return new Decision(v, expected);
    }

    private static long saturatedSum(long... parts) {
        long sum = 0;
        for (long p : parts) {
            sum += p;
            if (sum < 0) {
                return Long.MAX_VALUE;
            }
        }
        return sum;
    }
}
