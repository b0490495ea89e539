package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.internal.engine.ThrottlePolicy.Step;
import io.ferry.migration.Throttling;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The auto-converge / dirty-limit decision, on a fake clock. */
class ThrottlePolicyTest {
    private static final long MIB = 1 << 20;
    private static final long PAGES_PER_MIB = MIB / 4096;

    private final FakeTicker ticker = new FakeTicker();
    private long dirtied;
    private long sent;

    /** One second of migration in which the guest dirtied {@code dirtyMib} and the link sent {@code sentMib}. */
    private Step second(ThrottlePolicy policy, long dirtyMib, long sentMib) {
        ticker.advance(Duration.ofSeconds(1));
        dirtied += dirtyMib * PAGES_PER_MIB;
        sent += sentMib * MIB;
        return policy.afterSync(dirtied, sent);
    }

    private ThrottlePolicy policy(Throttling t) {
        return new ThrottlePolicy(t, ticker, Duration.ofSeconds(1), dirtied, sent);
    }

    @Test
    void autoConvergeStepsUpEverySecondHighPeriodFromTheInitialByTheIncrementToTheMax() {
        ThrottlePolicy p = policy(Throttling.defaults().withAutoConverge(true).withSteps(20, 30, 80));
        assertThat(second(p, 80, 32)).isEqualTo(ThrottlePolicy.NONE); // high once
        assertThat(second(p, 80, 32)).isEqualTo(new Step.CpuThrottle(20));
        assertThat(second(p, 80, 32)).isEqualTo(ThrottlePolicy.NONE);
        assertThat(second(p, 80, 32)).isEqualTo(new Step.CpuThrottle(50));
        second(p, 80, 32);
        assertThat(second(p, 80, 32)).isEqualTo(new Step.CpuThrottle(80));
        second(p, 80, 32);
        assertThat(second(p, 80, 32)).isEqualTo(ThrottlePolicy.NONE); // at the max: nothing more to do
        assertThat(p.throttle()).isEqualTo(80);
    }

    @Test
    void dirtyingBelowHalfOfWhatWasSentNeverTriggers() {
        ThrottlePolicy p = policy(Throttling.defaults().withAutoConverge(true));
        for (int i = 0; i < 10; i++) {
            assertThat(second(p, 16, 32)).isEqualTo(ThrottlePolicy.NONE); // exactly 50%: not above
        }
        assertThat(p.throttle()).isZero();
    }

    @Test
    void syncsInsideOnePeriodAreJudgedTogether() {
        ThrottlePolicy p = policy(Throttling.defaults().withAutoConverge(true));
        for (int i = 0; i < 9; i++) { // nine syncs 100 ms apart: one period, not yet over
            ticker.advance(Duration.ofMillis(100));
            dirtied += 8 * PAGES_PER_MIB;
            sent += 3 * MIB;
            assertThat(p.afterSync(dirtied, sent)).isEqualTo(ThrottlePolicy.NONE);
        }
        ticker.advance(Duration.ofMillis(100));
        assertThat(p.afterSync(dirtied, sent)).isEqualTo(ThrottlePolicy.NONE); // the period ends high: count 1
        assertThat(second(p, 80, 32)).isEqualTo(new Step.CpuThrottle(20)); // count 2
    }

    @Test
    void dirtyLimitIsSetOnceInPagesPerSecond() {
        ThrottlePolicy p = policy(Throttling.defaults().withDirtyLimit(true, 2 * MIB));
        second(p, 80, 32);
        assertThat(second(p, 80, 32)).isEqualTo(new Step.DirtyLimit(2 * PAGES_PER_MIB));
        second(p, 80, 32);
        assertThat(second(p, 80, 32)).isEqualTo(ThrottlePolicy.NONE);
    }

    @Test
    void withNeitherOnItNeverActs() {
        ThrottlePolicy p = policy(Throttling.defaults());
        for (int i = 0; i < 10; i++) {
            assertThat(second(p, 800, 32)).isEqualTo(ThrottlePolicy.NONE);
        }
        assertThat(TimeUnit.NANOSECONDS.toSeconds(ticker.read())).isEqualTo(10);
    }
}
