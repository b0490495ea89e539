package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.internal.engine.Convergence.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The convergence policy on its own, with a fake clock. */
class ConvergencePolicyTest {
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
        Convergence.Decision d = c.decide(1, 50_000_000);
        assertThat(d.expectedDowntimeNanos()).isEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(d.verdict()).isEqualTo(Verdict.CONVERGED);
    }

    @Test
    void aSwitchoverLongerThanTheLimitIteratesAgainUntilTheCap() {
        Convergence c = new Convergence(ticker, Duration.ofMillis(10), 2);
        pass(c, 1_000_000, 100); // 10 MB/s
        assertThat(c.decide(1, 1_000_000).verdict()).isEqualTo(Verdict.ITERATE); // 100 ms expected
        pass(c, 1_000_000, 100);
        assertThat(c.decide(2, 1_000_000).verdict()).isEqualTo(Verdict.CAPPED);
    }

    @Test
    void aLimitOfZeroNeverConvergesEvenWithNothingPending() {
        Convergence c = new Convergence(ticker, Duration.ZERO, 3);
        pass(c, 1_000, 1);
        assertThat(c.decide(1, 0).verdict()).isEqualTo(Verdict.ITERATE);
        assertThat(c.decide(3, 0).verdict()).isEqualTo(Verdict.CAPPED);
    }

    @Test
    void withoutAMeasuredBandwidthPendingBytesNeverFit() {
        Convergence c = new Convergence(ticker, Duration.ofSeconds(10), 30);
        pass(c, 0, 0);
        assertThat(c.decide(1, 1).expectedDowntimeNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.decide(1, 0).verdict()).isEqualTo(Verdict.CONVERGED);
    }
}
