package io.ferry.migration;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.transport.TransportOptions;
import java.time.Duration;
import java.util.Locale;

/**
 * A migration's tunables, as QEMU's {@code migrate-set-parameters}. Immutable; change one with
 * the {@code with...} methods or {@link #with(String, String)} (the shell's
 * {@code set-parameter}).
 *
 * @param maxBandwidth bytes per second the stream may use; 0 means unlimited
 * @param downtimeLimit the longest pause the source accepts: it leaves the iterative phase once
 *     pending bytes / measured bandwidth is below it; 0 accepts no pause, so the migration runs to
 *     the iteration cap
 * @param iterationCap the most DIRTY_SYNC + ITERATE passes before completing anyway
 * @param maxFrameSize largest frame payload this side writes or accepts. Not negotiated: a
 *     destination must accept what the source sends (RAM batches are about 1.05 MiB; the default,
 *     4 MiB, suits both sides), or it fails the migration with a FrameTooLargeException
 * @param switchoverTimeout how long each side waits for the other's acknowledgement or commit
 * @param runOnDestination whether the destination runs the machine once loaded (else it stays paused)
 * @param transport TLS and the connection timeouts (tls-creds, tls-authz, tls-required,
 *     handshake-timeout, progress-timeout): see {@link TransportOptions}
 */
public record MigrationParameters(
        long maxBandwidth,
        Duration downtimeLimit,
        int iterationCap,
        int maxFrameSize,
        Duration switchoverTimeout,
        boolean runOnDestination,
        TransportOptions transport) {

    public static final Duration DEFAULT_DOWNTIME_LIMIT = Duration.ofMillis(300);
    public static final int DEFAULT_ITERATION_CAP = 30;
    public static final int DEFAULT_MAX_FRAME_SIZE = 4 << 20;
    /** Bounds, so no value overflows a computation later (QEMU caps downtime-limit at 2000 s too). */
    public static final long MIN_BANDWIDTH = 1L << 20;
    public static final long MAX_BANDWIDTH = 1L << 40;
    public static final Duration MAX_DOWNTIME_LIMIT = Duration.ofSeconds(2000);
    public static final int MAX_ITERATION_CAP = 100_000;
    public static final Duration MIN_SWITCHOVER_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_SWITCHOVER_TIMEOUT = Duration.ofHours(1);

    public MigrationParameters {
        checkArgument(maxBandwidth == 0 || (maxBandwidth >= MIN_BANDWIDTH && maxBandwidth <= MAX_BANDWIDTH),
                "max-bandwidth must be 0 (unlimited) or in [1M, 1T] bytes/s but was %s", maxBandwidth);
        checkNotNull(downtimeLimit, "downtimeLimit");
        checkArgument(!downtimeLimit.isNegative() && downtimeLimit.compareTo(MAX_DOWNTIME_LIMIT) <= 0,
                "downtime-limit must be in [0, %s] ms but was %s ms", MAX_DOWNTIME_LIMIT.toMillis(), downtimeLimit.toMillis());
        checkArgument(iterationCap >= 1 && iterationCap <= MAX_ITERATION_CAP,
                "iteration-cap must be in [1, %s] but was %s", MAX_ITERATION_CAP, iterationCap);
        checkArgument(maxFrameSize >= 64 << 10 && maxFrameSize <= 256 << 20,
                "max-frame-size must be in [64 KiB, 256 MiB] but was %s", maxFrameSize);
        checkNotNull(switchoverTimeout, "switchoverTimeout");
        checkArgument(switchoverTimeout.compareTo(MIN_SWITCHOVER_TIMEOUT) >= 0
                && switchoverTimeout.compareTo(MAX_SWITCHOVER_TIMEOUT) <= 0, "switchover-timeout must be in [%s, %s] ms but was %s ms",
                MIN_SWITCHOVER_TIMEOUT.toMillis(), MAX_SWITCHOVER_TIMEOUT.toMillis(), switchoverTimeout.toMillis());
        checkNotNull(transport, "transport");
    }

    /** Unlimited bandwidth, 300 ms downtime, 30 passes, 4 MiB frames, 30 s switchover, destination runs. */
    public static MigrationParameters defaults() {
        return new MigrationParameters(0, DEFAULT_DOWNTIME_LIMIT, DEFAULT_ITERATION_CAP, DEFAULT_MAX_FRAME_SIZE,
                Duration.ofSeconds(30), true, TransportOptions.defaults());
    }

    public MigrationParameters withMaxBandwidth(long bytesPerSecond) {
        return new MigrationParameters(bytesPerSecond, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, transport);
    }

    public MigrationParameters withDowntimeLimit(Duration limit) {
        return new MigrationParameters(maxBandwidth, limit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, transport);
    }

    public MigrationParameters withIterationCap(int cap) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, cap, maxFrameSize, switchoverTimeout,
                runOnDestination, transport);
    }

    public MigrationParameters withMaxFrameSize(int bytes) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, bytes, switchoverTimeout,
                runOnDestination, transport);
    }

    public MigrationParameters withSwitchoverTimeout(Duration timeout) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, timeout,
                runOnDestination, transport);
    }

    public MigrationParameters withRunOnDestination(boolean run) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout, run, transport);
    }

    public MigrationParameters withTransport(TransportOptions options) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, options);
    }

    /**
     * Sets a parameter by its QEMU-style name: {@code max-bandwidth} (bytes/s, or with a
     * K/M/G suffix), {@code downtime-limit} (ms), {@code iteration-cap}, {@code max-frame-size}
     * (bytes or K/M suffix), {@code switchover-timeout} (ms), {@code run-on-destination}
     * (true/false), and the {@link TransportOptions} ({@code tls-creds}, {@code tls-authz},
     * {@code tls-required}, {@code handshake-timeout}, {@code progress-timeout}).
     *
     * @throws IllegalArgumentException naming the parameter and the bad value
     */
    public MigrationParameters with(String name, String value) {
        checkNotNull(name, "name");
        checkNotNull(value, "value");
        if (TransportOptions.NAMES.contains(name)) {
            return withTransport(transport.with(name, value));
        }
        try {
            return switch (name) {
                case "max-bandwidth" -> withMaxBandwidth(Sizes.parse(value));
                case "downtime-limit" -> withDowntimeLimit(Duration.ofMillis(Long.parseLong(value)));
                case "iteration-cap" -> withIterationCap(Integer.parseInt(value));
                case "max-frame-size" -> withMaxFrameSize(Math.toIntExact(Sizes.parse(value)));
                case "switchover-timeout" -> withSwitchoverTimeout(Duration.ofMillis(Long.parseLong(value)));
                case "run-on-destination" -> withRunOnDestination(parseBoolean(value));
                default -> throw new IllegalArgumentException("unknown parameter '" + name
                        + "': known are max-bandwidth, downtime-limit, iteration-cap, max-frame-size,"
                        + " switchover-timeout, run-on-destination, " + String.join(", ", TransportOptions.NAMES));
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("parameter " + name + ": '" + value + "' is not a valid number", e);
        }
    }

    private static boolean parseBoolean(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }
}
