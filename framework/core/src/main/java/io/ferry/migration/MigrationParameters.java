package io.ferry.migration;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.Compression;
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
 * @param compression how the source compresses RAM page data: worth it when the link is slower
 *     than the CPU (QEMU's multifd-compression); the destination reads whatever arrives
 * @param xbzrleCacheSize bytes of the source's cache of pages as last sent, for XBZRLE deltas of
 *     pages that change a little between passes (QEMU's xbzrle-cache-size); 0 turns deltas off
 */
public record MigrationParameters(
        long maxBandwidth,
        Duration downtimeLimit,
        int iterationCap,
        int maxFrameSize,
        Duration switchoverTimeout,
        boolean runOnDestination,
        Compression compression,
        long xbzrleCacheSize) {

    public static final Duration DEFAULT_DOWNTIME_LIMIT = Duration.ofMillis(300);
    public static final int DEFAULT_ITERATION_CAP = 30;
    public static final int DEFAULT_MAX_FRAME_SIZE = 4 << 20;

    public MigrationParameters {
        checkArgument(maxBandwidth >= 0, "max-bandwidth must be >= 0 (0 = unlimited) but was %s", maxBandwidth);
        checkNotNull(downtimeLimit, "downtimeLimit");
        checkArgument(!downtimeLimit.isNegative(), "downtime-limit must be >= 0 but was %s", downtimeLimit);
        checkArgument(iterationCap >= 1, "iteration-cap must be >= 1 but was %s", iterationCap);
        checkArgument(maxFrameSize >= 64 << 10 && maxFrameSize <= 256 << 20,
                "max-frame-size must be in [64 KiB, 256 MiB] but was %s", maxFrameSize);
        checkNotNull(switchoverTimeout, "switchoverTimeout");
        checkArgument(switchoverTimeout.toMillis() > 0, "switchover-timeout must be > 0 but was %s", switchoverTimeout);
        checkNotNull(compression, "compression");
        checkArgument(xbzrleCacheSize == 0 || (xbzrleCacheSize >= 4096 && xbzrleCacheSize <= 1L << 30),
                "xbzrle-cache-size must be 0 (off) or in [4 KiB, 1 GiB] but was %s", xbzrleCacheSize);
    }

    /** Unlimited bandwidth, 300 ms downtime, 30 passes, 4 MiB frames, 30 s switchover, destination runs. */
    public static MigrationParameters defaults() {
        return new MigrationParameters(0, DEFAULT_DOWNTIME_LIMIT, DEFAULT_ITERATION_CAP, DEFAULT_MAX_FRAME_SIZE,
                Duration.ofSeconds(30), true, Compression.none, 0);
    }

    public MigrationParameters withMaxBandwidth(long bytesPerSecond) {
        return new MigrationParameters(bytesPerSecond, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, compression, xbzrleCacheSize);
    }

    public MigrationParameters withDowntimeLimit(Duration limit) {
        return new MigrationParameters(maxBandwidth, limit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, compression, xbzrleCacheSize);
    }

    public MigrationParameters withIterationCap(int cap) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, cap, maxFrameSize, switchoverTimeout,
                runOnDestination, compression, xbzrleCacheSize);
    }

    public MigrationParameters withMaxFrameSize(int bytes) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, bytes, switchoverTimeout,
                runOnDestination, compression, xbzrleCacheSize);
    }

    public MigrationParameters withSwitchoverTimeout(Duration timeout) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, timeout,
                runOnDestination, compression, xbzrleCacheSize);
    }

    public MigrationParameters withRunOnDestination(boolean run) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout, run,
                compression, xbzrleCacheSize);
    }

    public MigrationParameters withCompression(Compression c) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, c, xbzrleCacheSize);
    }

    public MigrationParameters withXbzrleCacheSize(long bytes) {
        return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout,
                runOnDestination, compression, bytes);
    }

    /**
     * Sets a parameter by its QEMU-style name: {@code max-bandwidth} (bytes/s, or with a
     * K/M/G suffix), {@code downtime-limit} (ms), {@code iteration-cap}, {@code max-frame-size}
     * (bytes or K/M suffix), {@code switchover-timeout} (ms), {@code run-on-destination}
     * (true/false), {@code compression} (none, lz4, zstd), {@code xbzrle-cache-size} (bytes or
     * K/M/G suffix, 0 = off).
     *
     * @throws IllegalArgumentException naming the parameter and the bad value
     */
    public MigrationParameters with(String name, String value) {
        checkNotNull(name, "name");
        checkNotNull(value, "value");
        try {
            return switch (name) {
                case "max-bandwidth" -> withMaxBandwidth(Sizes.parse(value));
                case "downtime-limit" -> withDowntimeLimit(Duration.ofMillis(Long.parseLong(value)));
                case "iteration-cap" -> withIterationCap(Integer.parseInt(value));
                case "max-frame-size" -> withMaxFrameSize(Math.toIntExact(Sizes.parse(value)));
                case "switchover-timeout" -> withSwitchoverTimeout(Duration.ofMillis(Long.parseLong(value)));
                case "run-on-destination" -> withRunOnDestination(parseBoolean(value));
                case "compression" -> withCompression(Compression.parse(value));
                case "xbzrle-cache-size" -> withXbzrleCacheSize(Sizes.parse(value));
                default -> throw new IllegalArgumentException("unknown parameter '" + name
                        + "': known are max-bandwidth, downtime-limit, iteration-cap, max-frame-size,"
                        + " switchover-timeout, run-on-destination, compression, xbzrle-cache-size");
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
