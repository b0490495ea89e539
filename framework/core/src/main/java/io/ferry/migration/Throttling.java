package io.ferry.migration;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Help for a migration that does not converge, as QEMU has it. When dirtying outruns the link
 * (the bytes dirtied during a pass exceed {@link #TRIGGER_PERCENT} percent of the bytes sent
 * in it, twice in a row), the source slows the guest down:
 *
 * <ul>
 *   <li>{@code auto-converge}: throttles every vCPU, first to {@code cpu-throttle-initial}
 *       percent, then up by {@code cpu-throttle-increment} at each later trigger, to at most
 *       {@code max-cpu-throttle} percent;
 *   <li>{@code dirty-limit}: limits each vCPU to {@code vcpu-dirty-limit} bytes per second of
 *       newly dirtied pages (QEMU: MB/s, default 1).
 * </ul>
 *
 * The two exclude each other (as in QEMU). The throttle and the limit are lifted when the
 * migration ends, whatever the outcome.
 *
 * @param autoConverge whether to throttle the vCPUs in steps
 * @param initialPercent the first throttle step, percent (QEMU: cpu-throttle-initial, 20)
 * @param incrementPercent each later step, percent (QEMU: cpu-throttle-increment, 10)
 * @param maxPercent the highest throttle, percent (QEMU: max-cpu-throttle, 99)
 * @param dirtyLimit whether to limit each vCPU's dirty rate
 * @param vcpuDirtyLimit the per-vCPU dirty rate limit, bytes per second (QEMU: vcpu-dirty-limit, 1 MB/s)
 */
public record Throttling(
        boolean autoConverge,
        int initialPercent,
        int incrementPercent,
        int maxPercent,
        boolean dirtyLimit,
        long vcpuDirtyLimit) {

    /** Dirtying above this share of what a pass sent counts towards a throttle step (QEMU's throttle-trigger-threshold). */
    public static final int TRIGGER_PERCENT = 50;

    public Throttling {
        checkArgument(!(autoConverge && dirtyLimit), "auto-converge and dirty-limit cannot both be on: choose one");
        checkArgument(
                initialPercent >= 1 && initialPercent <= 99,
                "cpu-throttle-initial must be in [1, 99] but was %s",
                initialPercent);
        checkArgument(
                incrementPercent >= 1 && incrementPercent <= 99,
                "cpu-throttle-increment must be in [1, 99] but was %s",
                incrementPercent);
        checkArgument(
                maxPercent >= initialPercent && maxPercent <= 99,
                "max-cpu-throttle must be in [cpu-throttle-initial (%s), 99] but was %s",
                initialPercent,
                maxPercent);
        checkArgument(
                vcpuDirtyLimit >= 4096,
                "vcpu-dirty-limit must be at least one page (4096 bytes/s) but was %s",
                vcpuDirtyLimit);
    }

    /** Both off; QEMU's default steps (20, +10, max 99) and a 1 MiB/s dirty limit. */
    public static Throttling defaults() {
        return new Throttling(false, 20, 10, 99, false, 1L << 20);
    }

    /** Whether either kind of help is on. */
    public boolean enabled() {
        return autoConverge || dirtyLimit;
    }

    /** The dirty limit in pages per second per vCPU. */
    public long vcpuDirtyLimitPages() {
        return Math.max(1, vcpuDirtyLimit / 4096);
    }

    public Throttling withAutoConverge(boolean on) {
        return new Throttling(on, initialPercent, incrementPercent, maxPercent, dirtyLimit, vcpuDirtyLimit);
    }

    public Throttling withSteps(int initial, int increment, int max) {
        return new Throttling(autoConverge, initial, increment, max, dirtyLimit, vcpuDirtyLimit);
    }

    public Throttling withDirtyLimit(boolean on, long bytesPerSecond) {
        return new Throttling(autoConverge, initialPercent, incrementPercent, maxPercent, on, bytesPerSecond);
    }
}
