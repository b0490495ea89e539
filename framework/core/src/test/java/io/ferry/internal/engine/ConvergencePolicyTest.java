package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.internal.engine.Convergence.Verdict;
import io.ferry.internal.engine.Convergence.Work;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The convergence policy and its cost model on their own, with a fake clock. */
class ConvergencePolicyTest {
    private static final long MS = 1_000_000;
    private final FakeTicker ticker = new FakeTicker();

    private void pass(Convergence c, long bytes, long millis) {
        c.passStarted();
        ticker.advance(Duration.ofMillis(millis));
        c.passEnded(bytes);
    }

    @Test
    void expectedDowntimeIsPendingBytesOverMeasuredBandwidth() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(300), 30);
        pass(c, 100_000_000, 100); // 1 GB/s
        Convergence.Decision d = c.decide(1, Work.pending(50_000_000));
        assertThat(d.expectedDowntimeNanos()).isEqualTo(50 * MS);
        assertThat(d.verdict()).isEqualTo(Verdict.CONVERGED);
    }

    @Test
    void aSwitchoverLongerThanTheLimitIteratesAgainUntilTheCap() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(10), 2);
        pass(c, 1_000_000, 100); // 10 MB/s
        assertThat(c.decide(1, Work.pending(1_000_000)).verdict()).isEqualTo(Verdict.ITERATE); // 100 ms expected
        pass(c, 1_000_000, 100);
        assertThat(c.decide(2, Work.pending(1_000_000)).verdict()).isEqualTo(Verdict.CAPPED);
    }

    @Test
    void aLimitOfZeroNeverConvergesEvenWithNothingPending() {
        Convergence c = new Convergence(ticker, Duration.ZERO, 3);
        pass(c, 1_000, 1);
        assertThat(c.decide(1, Work.pending(0)).verdict()).isEqualTo(Verdict.ITERATE);
        assertThat(c.decide(3, Work.pending(0)).verdict()).isEqualTo(Verdict.CAPPED);
    }

    @Test
    void withoutAMeasuredBandwidthPendingBytesNeverFit() {
        Convergence c = new Convergence(ticker, Duration.ofSeconds(10), 30);
        pass(c, 0, 0);
        assertThat(c.decide(1, Work.pending(1)).expectedDowntimeNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.decide(1, Work.pending(0)).verdict()).isEqualTo(Verdict.CONVERGED);
    }

    @Test
    void bandwidthFollowsTheLastPassesNotTheAverageSinceTheStart() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(300), 30);
        for (int i = 0; i < 5; i++) {
            pass(c, 1_000_000_000, 1000); // 1 GB/s for five seconds
        }
        for (int i = 0; i < Convergence.WINDOW; i++) {
            pass(c, 100_000_000, 1000); // then the link drops to 100 MB/s
        }
        assertThat(c.bandwidth()).isEqualTo(0.1); // bytes per nanosecond: the average since the start would be 0.66
        assertThat(c.expectedDowntime(Work.pending(10_000_000))).isEqualTo(100 * MS);
    }

    @Test
    void completeBytesTheDestinationsPartAndOneAndAHalfRoundTripsAddUp() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(100), 30);
        pass(c, 100_000_000, 100); // 1 byte per ns
        Work work = new Work(10 * MS, 5 * MS, 20 * MS, 4 * MS);
        assertThat(c.expectedDowntime(work)).isEqualTo((10 + 5 + 20 + 6) * MS);
        assertThat(c.decide(1, work).verdict()).isEqualTo(Verdict.CONVERGED);
        assertThat(c.decide(1, new Work(10 * MS, 5 * MS, 80 * MS, 4 * MS)).verdict())
                .isEqualTo(Verdict.ITERATE);
    }

    @Test
    void anAttemptLearnsTheCostOfStoppingTheFinalPassSpeedAndWhatItTookBeyond() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(100), 30);
        pass(c, 100_000_000, 100); // 1 byte per ns while running
        Work work = Work.pending(40 * MS);
        assertThat(c.decide(1, work).expectedDowntimeNanos()).isEqualTo(40 * MS);
        // Stopping took 3 ms; the final pass moved 20 MB in 40 ms (half the speed); the attempt took 100 ms.
        c.learn(new Convergence.Attempt(3 * MS, 100 * MS, 20 * MS, 40 * MS, 0));
        // 3 + 40 MB at 0.5 byte/ns (80) = 83, and 17 ms beyond it.
        assertThat(c.expectedDowntime(work)).isEqualTo(100 * MS);
        assertThat(c.expectedDowntime(Work.pending(10 * MS))).isEqualTo((3 + 20 + 17) * MS);
        // Learning again replaces, rather than adds to, what was learned before; a tiny final pass teaches no speed.
        c.decide(2, Work.pending(10 * MS));
        c.learn(new Convergence.Attempt(1 * MS, 30 * MS, 1000, 1 * MS, 0));
        assertThat(c.expectedDowntime(Work.pending(10 * MS))).isEqualTo(30 * MS); // 1 + 20 + 9
        // An attempt faster than predicted teaches no surplus.
        c.learn(new Convergence.Attempt(1 * MS, 5 * MS, 0, 0, 0));
        assertThat(c.expectedDowntime(Work.pending(10 * MS))).isEqualTo(21 * MS);
    }

    @Test
    void theDestinationsMeasuredPartIsNotCountedAgainAsSurplus() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(100), 30);
        pass(c, 100_000_000, 100);
        c.decide(1, Work.pending(10 * MS)); // predicted 10 ms: the destination's part was not known yet
        c.learn(new Convergence.Attempt(0, 40 * MS, 0, 0, 30 * MS)); // it took 30 of the 40 ms
        assertThat(c.expectedDowntime(new Work(10 * MS, 0, 30 * MS, 0))).isEqualTo(40 * MS);
    }
}
