package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.base.Ticker;
import io.ferry.machine.GuestMemory;
import io.ferry.migration.Throttling;
import java.time.Duration;

/**
 * When to slow the guest down, as QEMU's auto-converge and dirty-limit decide it: pure, fed the
 * running totals after each DIRTY_SYNC, timed by a {@link Ticker}.
 *
 * <p>Totals are judged per period of at least {@code period}. A period is "high" when the bytes
 * dirtied in it exceed {@link Throttling#TRIGGER_PERCENT} percent of the bytes sent in it; every
 * second high period (they need not be consecutive, as in QEMU) triggers a step: auto-converge
 * throttles the vCPUs to {@code cpu-throttle-initial} percent, then adds
 * {@code cpu-throttle-increment} up to {@code max-cpu-throttle}; dirty-limit sets the per-vCPU
 * limit once.
 */
final class ThrottlePolicy {
    /** What to do to the guest after a sync. */
    sealed interface Step {
        /** Leave the guest as it is. */
        record None() implements Step {}

        /** Throttle every vCPU to run at most {@code 100 - percent} percent of the time. */
        record CpuThrottle(int percent) implements Step {}

        /** Limit every vCPU to {@code pagesPerSecond} newly dirtied pages per second. */
        record DirtyLimit(long pagesPerSecond) implements Step {}
    }

    static final Step NONE = new Step.None();

    private final Throttling params;
    private final Ticker ticker;
    private final long periodNanos;
    private long periodStart;
    private long dirtiedAtStart;
    private long sentAtStart;
    private int highPeriods;
    private int throttle;
    private boolean limited;

    ThrottlePolicy(Throttling params, Ticker ticker, Duration period, long dirtiedPages, long sentBytes) {
        this.params = checkNotNull(params, "params");
        this.ticker = checkNotNull(ticker, "ticker");
        this.periodNanos = period.toNanos();
        startPeriod(dirtiedPages, sentBytes);
    }

    /** The CPU throttle set so far, percent. */
    int throttle() {
        return throttle;
    }

    /**
     * After a DIRTY_SYNC: {@code dirtiedPages} pages have become dirty in the migration bitmap
     * and {@code sentBytes} bytes have been sent since the migration started.
     */
    Step afterSync(long dirtiedPages, long sentBytes) {
        if (!params.enabled() || ticker.read() - periodStart < periodNanos) {
            return NONE;
        }
        long dirtyBytes = (dirtiedPages - dirtiedAtStart) * GuestMemory.PAGE_SIZE;
        long threshold = (sentBytes - sentAtStart) * Throttling.TRIGGER_PERCENT / 100;
        startPeriod(dirtiedPages, sentBytes);
        if (dirtyBytes <= threshold || ++highPeriods < 2) {
            return NONE;
        }
        highPeriods = 0;
        return params.autoConverge() ? stepThrottle() : limitOnce();
    }

    private Step stepThrottle() {
        int next = throttle == 0
                ? params.initialPercent()
                : Math.min(throttle + params.incrementPercent(), params.maxPercent());
        if (next == throttle) {
            return NONE;
        }
        throttle = next;
        return new Step.CpuThrottle(next);
    }

    private Step limitOnce() {
        if (limited) {
            return NONE;
        }
        limited = true;
        return new Step.DirtyLimit(params.vcpuDirtyLimitPages());
    }

    private void startPeriod(long dirtiedPages, long sentBytes) {
        periodStart = ticker.read();
        dirtiedAtStart = dirtiedPages;
        sentAtStart = sentBytes;
    }
}
