package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import io.ferry.internal.engine.ThrottlePolicy.Step;
import io.ferry.machine.Machine;
import io.ferry.migration.Throttling;
import java.time.Duration;

/**
 * Applies the {@link ThrottlePolicy}'s steps to the machine's vCPUs during the iterative phase,
 * publishes the throttle in the figures, and lifts it when the migration ends.
 */
final class GuestThrottle {
    /** QEMU judges dirtying against the link over periods of at least a second. */
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final Machine machine;
    private final Counters counters;
    private final ThrottlePolicy policy;

    GuestThrottle(
            Machine machine, Throttling params, Ticker ticker, Counters counters, long dirtiedPages, long sentBytes) {
        this.machine = machine;
        this.counters = counters;
        this.policy = new ThrottlePolicy(params, ticker, PERIOD, dirtiedPages, sentBytes);
    }

    /** After a DIRTY_SYNC, with the migration bitmap's dirtied total and the bytes sent so far. */
    void afterSync(long dirtiedPages, long sentBytes) {
        Step step = policy.afterSync(dirtiedPages, sentBytes);
        if (step instanceof Step.CpuThrottle t) {
            machine.throttleVcpus(t.percent());
            counters.cpuThrottlePercent = t.percent();
        } else if (step instanceof Step.DirtyLimit d) {
            machine.limitDirtyRate(d.pagesPerSecond());
        }
    }

    /** When the migration ends, whatever the outcome. */
    static void lift(Machine machine) {
        machine.throttleVcpus(0);
        machine.limitDirtyRate(0);
    }
}
