package io.ferry.migration;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.Compression;
import io.ferry.transport.TransportOptions;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

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
 * @param downtimeGuard source: step back from a switchover that would break the downtime limit
 *     (COMPLETE runs over it, or the destination's acknowledgement says its part will): resume the
 *     machine and iterate again, at most {@code switchoverAttempts} attempts in all
 * @param switchoverAttempts source, with the guard on: the most switchover attempts before the
 *     migration fails with a {@link DowntimeExceededException}
 * @param throttling auto-converge and dirty-limit, the help for a migration that does not converge
 * @param compression how the source compresses RAM page data: worth it when the link is slower
 *     than the CPU (QEMU's multifd-compression); the destination reads whatever arrives
 * @param xbzrleCacheSize bytes of the source's cache of pages as last sent, for XBZRLE deltas of
 *     pages that change a little between passes (QEMU's xbzrle-cache-size); 0 turns deltas off
 * @param transport TLS and the connection timeouts (tls-creds, tls-authz, tls-required,
 *     handshake-timeout, progress-timeout): see {@link TransportOptions}
 * @param channels source: TCP connections per migration (QEMU's multifd-channels), 1 to
 *     {@link #MAX_CHANNELS}; RAM batches are spread over them, everything else rides the first.
 *     Only a {@code tcp:} destination takes more than one
 * @param inDoubtTimeout destination: how long an in-doubt destination keeps asking the source for its
 *     decision (reconnecting with backoff) before it leaves the doubt to the operator; source: how
 *     long after its end it keeps answering (added to {@code switchoverTimeout})
 */
public record MigrationParameters(
        long maxBandwidth,
        Duration downtimeLimit,
        int iterationCap,
        int maxFrameSize,
        Duration switchoverTimeout,
        boolean runOnDestination,
        boolean downtimeGuard,
        int switchoverAttempts,
        Throttling throttling,
        Compression compression,
        long xbzrleCacheSize,
        TransportOptions transport,
        int channels,
        Duration inDoubtTimeout) {

    public static final Duration DEFAULT_DOWNTIME_LIMIT = Duration.ofMillis(300);
    public static final int DEFAULT_ITERATION_CAP = 30;
    public static final int DEFAULT_MAX_FRAME_SIZE = 4 << 20;
    public static final int DEFAULT_SWITCHOVER_ATTEMPTS = 3;
    /** Bounds, so no value overflows a computation later (QEMU caps downtime-limit at 2000 s too). */
    public static final long MIN_BANDWIDTH = 1L << 20;
    public static final long MAX_BANDWIDTH = 1L << 40;
    public static final Duration MAX_DOWNTIME_LIMIT = Duration.ofSeconds(2000);
    public static final int MAX_ITERATION_CAP = 100_000;
    public static final Duration MIN_SWITCHOVER_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_SWITCHOVER_TIMEOUT = Duration.ofHours(1);
    public static final int MAX_SWITCHOVER_ATTEMPTS = 100;
    public static final int MAX_CHANNELS = io.ferry.stream.FrameReader.MAX_CHANNELS;
    public static final Duration DEFAULT_IN_DOUBT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration MIN_IN_DOUBT_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_IN_DOUBT_TIMEOUT = Duration.ofHours(24);

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
        checkArgument(switchoverAttempts >= 1 && switchoverAttempts <= MAX_SWITCHOVER_ATTEMPTS,
                "switchover-attempts must be in [1, %s] but was %s", MAX_SWITCHOVER_ATTEMPTS, switchoverAttempts);
        checkNotNull(throttling, "throttling");
        checkNotNull(compression, "compression");
        checkArgument(xbzrleCacheSize == 0 || (xbzrleCacheSize >= 4096 && xbzrleCacheSize <= 1L << 30),
                "xbzrle-cache-size must be 0 (off) or in [4 KiB, 1 GiB] but was %s", xbzrleCacheSize);
        checkNotNull(transport, "transport");
        checkArgument(channels >= 1 && channels <= MAX_CHANNELS, "channels must be in [1, %s] but was %s", MAX_CHANNELS,
                channels);
        checkNotNull(inDoubtTimeout, "inDoubtTimeout");
        checkArgument(inDoubtTimeout.compareTo(MIN_IN_DOUBT_TIMEOUT) >= 0
                && inDoubtTimeout.compareTo(MAX_IN_DOUBT_TIMEOUT) <= 0, "in-doubt-timeout must be in [%s, %s] ms but was %s ms",
                MIN_IN_DOUBT_TIMEOUT.toMillis(), MAX_IN_DOUBT_TIMEOUT.toMillis(), inDoubtTimeout.toMillis());
    }

    /** The 0.1.0 parameters; every later one at its default. */
    public MigrationParameters(long maxBandwidth, Duration downtimeLimit, int iterationCap, int maxFrameSize,
            Duration switchoverTimeout, boolean runOnDestination) {
        this(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout, runOnDestination, false,
                DEFAULT_SWITCHOVER_ATTEMPTS, Throttling.defaults(), Compression.none, 0, TransportOptions.defaults(), 1,
                DEFAULT_IN_DOUBT_TIMEOUT);
    }

    /**
     * Unlimited bandwidth, 300 ms downtime, 30 passes, 4 MiB frames, 30 s switchover, destination
     * runs; no downtime guard, no convergence help, no compression, no XBZRLE, no TLS.
     */
    public static MigrationParameters defaults() {
        return new MigrationParameters(0, DEFAULT_DOWNTIME_LIMIT, DEFAULT_ITERATION_CAP, DEFAULT_MAX_FRAME_SIZE,
                Duration.ofSeconds(30), true);
    }

    public MigrationParameters withMaxBandwidth(long bytesPerSecond) {
        return copy(b -> b.maxBandwidth = bytesPerSecond);
    }

    public MigrationParameters withDowntimeLimit(Duration limit) {
        return copy(b -> b.downtimeLimit = limit);
    }

    public MigrationParameters withIterationCap(int cap) {
        return copy(b -> b.iterationCap = cap);
    }

    public MigrationParameters withMaxFrameSize(int bytes) {
        return copy(b -> b.maxFrameSize = bytes);
    }

    public MigrationParameters withSwitchoverTimeout(Duration timeout) {
        return copy(b -> b.switchoverTimeout = timeout);
    }

    public MigrationParameters withRunOnDestination(boolean run) {
        return copy(b -> b.runOnDestination = run);
    }

    public MigrationParameters withDowntimeGuard(boolean on) {
        return copy(b -> b.downtimeGuard = on);
    }

    public MigrationParameters withSwitchoverAttempts(int attempts) {
        return copy(b -> b.switchoverAttempts = attempts);
    }

    public MigrationParameters withThrottling(Throttling t) {
        return copy(b -> b.throttling = t);
    }

    public MigrationParameters withCompression(Compression c) {
        return copy(b -> b.compression = c);
    }

    public MigrationParameters withXbzrleCacheSize(long bytes) {
        return copy(b -> b.xbzrleCacheSize = bytes);
    }

    public MigrationParameters withTransport(TransportOptions options) {
        return copy(b -> b.transport = options);
    }

    public MigrationParameters withChannels(int count) {
        return copy(b -> b.channels = count);
    }

    public MigrationParameters withInDoubtTimeout(Duration timeout) {
        return copy(b -> b.inDoubtTimeout = timeout);
    }

    /**
     * Sets a parameter by its QEMU-style name: {@code max-bandwidth} (bytes/s, or with a
     * K/M/G suffix), {@code downtime-limit} (ms), {@code iteration-cap}, {@code max-frame-size}
     * (bytes or K/M suffix), {@code switchover-timeout} (ms), {@code run-on-destination}
     * (true/false), {@code downtime-guard} (true/false), {@code switchover-attempts},
     * {@code compression} (none, lz4, zstd), {@code xbzrle-cache-size} (bytes or K/M/G suffix,
     * 0 = off), {@code channels}, {@code in-doubt-timeout} (ms); and the {@link Throttling} ones: {@code auto-converge}, {@code dirty-limit}
     * (true/false), {@code cpu-throttle-initial}, {@code cpu-throttle-increment},
     * {@code max-cpu-throttle} (percent), {@code vcpu-dirty-limit} (bytes/s, or with a K/M/G suffix);
     * and the {@link TransportOptions} ({@code tls-creds}, {@code tls-authz}, {@code tls-required},
     * {@code handshake-timeout}, {@code progress-timeout}).
     *
     * @throws IllegalArgumentException naming the parameter and the bad value
     */
    public MigrationParameters with(String name, String value) {
        checkNotNull(name, "name");
        checkNotNull(value, "value");
        try {
            if (Throttling.names(name)) {
                return withThrottling(throttling.with(name, value));
            }
            if (TransportOptions.NAMES.contains(name)) {
                return withTransport(transport.with(name, value));
            }
            return switch (name) {
                case "max-bandwidth" -> withMaxBandwidth(Sizes.parse(value));
                case "downtime-limit" -> withDowntimeLimit(Duration.ofMillis(Long.parseLong(value)));
                case "iteration-cap" -> withIterationCap(Integer.parseInt(value));
                case "max-frame-size" -> withMaxFrameSize(Math.toIntExact(Sizes.parse(value)));
                case "switchover-timeout" -> withSwitchoverTimeout(Duration.ofMillis(Long.parseLong(value)));
                case "run-on-destination" -> withRunOnDestination(parseBoolean(value));
                case "downtime-guard" -> withDowntimeGuard(parseBoolean(value));
                case "switchover-attempts" -> withSwitchoverAttempts(Integer.parseInt(value));
                case "compression" -> withCompression(Compression.parse(value));
                case "xbzrle-cache-size" -> withXbzrleCacheSize(Sizes.parse(value));
                case "channels" -> withChannels(Integer.parseInt(value));
                case "in-doubt-timeout" -> withInDoubtTimeout(Duration.ofMillis(Long.parseLong(value)));
                default -> throw new IllegalArgumentException("unknown parameter '" + name + "': known are "
                        + String.join(", ", names()));
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("parameter " + name + ": '" + value + "' is not a valid number", e);
        }
    }

    /**
     * Every name {@link #with(String, String)} accepts, in the order {@link #byName()} lists them:
     * the one list the shell's {@code ferry:parameters}, its {@code set-parameter} help and its
     * completion are derived from.
     */
    public static List<String> names() {
        return NAMES;
    }

    /** {@link #names()} as one constant, comma separated: annotations (the shell's command help) can use it. */
    public static final String NAME_LIST = "max-bandwidth, downtime-limit, iteration-cap, max-frame-size,"
            + " switchover-timeout, run-on-destination, downtime-guard, switchover-attempts, compression,"
            + " xbzrle-cache-size, auto-converge, cpu-throttle-initial, cpu-throttle-increment, max-cpu-throttle,"
            + " dirty-limit, vcpu-dirty-limit, channels, tls-creds, tls-authz, tls-required, handshake-timeout, progress-timeout,"
            + " in-doubt-timeout";

    private static final List<String> NAMES = List.of(NAME_LIST.split(", "));

    /**
     * Every parameter's value by name (the keys are {@link #names()}), as text that
     * {@link #with(String, String)} takes back: bytes, milliseconds, percent, true/false.
     */
    public Map<String, String> byName() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("max-bandwidth", Long.toString(maxBandwidth));
        out.put("downtime-limit", Long.toString(downtimeLimit.toMillis()));
        out.put("iteration-cap", Integer.toString(iterationCap));
        out.put("max-frame-size", Integer.toString(maxFrameSize));
        out.put("switchover-timeout", Long.toString(switchoverTimeout.toMillis()));
        out.put("run-on-destination", Boolean.toString(runOnDestination));
        out.put("downtime-guard", Boolean.toString(downtimeGuard));
        out.put("switchover-attempts", Integer.toString(switchoverAttempts));
        out.put("compression", compression.name());
        out.put("xbzrle-cache-size", Long.toString(xbzrleCacheSize));
        out.put("auto-converge", Boolean.toString(throttling.autoConverge()));
        out.put("cpu-throttle-initial", Integer.toString(throttling.initialPercent()));
        out.put("cpu-throttle-increment", Integer.toString(throttling.incrementPercent()));
        out.put("max-cpu-throttle", Integer.toString(throttling.maxPercent()));
        out.put("dirty-limit", Boolean.toString(throttling.dirtyLimit()));
        out.put("vcpu-dirty-limit", Long.toString(throttling.vcpuDirtyLimit()));
        out.put("channels", Integer.toString(channels));
        out.put("tls-creds", transport.tlsCreds().map(Object::toString).orElse(""));
        out.put("tls-authz", String.join(";", transport.tlsAuthz()));
        out.put("tls-required", Boolean.toString(transport.tlsRequired()));
        out.put("handshake-timeout", Long.toString(transport.handshakeTimeout().toMillis()));
        out.put("progress-timeout", Long.toString(transport.progressTimeout().toMillis()));
        out.put("in-doubt-timeout", Long.toString(inDoubtTimeout.toMillis()));
        return Collections.unmodifiableMap(out);
    }

    static boolean parseBoolean(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }

    /** A copy with one change: one place spells out every component, so a new one is one line per method. */
    private MigrationParameters copy(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return d.build();
    }

    /** The mutable draft behind {@link #copy}; validation stays in the canonical constructor. */
    private static final class Draft {
        long maxBandwidth;
        Duration downtimeLimit;
        int iterationCap;
        int maxFrameSize;
        Duration switchoverTimeout;
        boolean runOnDestination;
        boolean downtimeGuard;
        int switchoverAttempts;
        Throttling throttling;
        Compression compression;
        long xbzrleCacheSize;
        TransportOptions transport;
        int channels;
        Duration inDoubtTimeout;

        Draft(MigrationParameters p) {
            maxBandwidth = p.maxBandwidth;
            downtimeLimit = p.downtimeLimit;
            iterationCap = p.iterationCap;
            maxFrameSize = p.maxFrameSize;
            switchoverTimeout = p.switchoverTimeout;
            runOnDestination = p.runOnDestination;
            downtimeGuard = p.downtimeGuard;
            switchoverAttempts = p.switchoverAttempts;
            throttling = p.throttling;
            compression = p.compression;
            xbzrleCacheSize = p.xbzrleCacheSize;
            transport = p.transport;
            channels = p.channels;
            inDoubtTimeout = p.inDoubtTimeout;
        }

        MigrationParameters build() {
            return new MigrationParameters(maxBandwidth, downtimeLimit, iterationCap, maxFrameSize, switchoverTimeout,
                    runOnDestination, downtimeGuard, switchoverAttempts, throttling, compression, xbzrleCacheSize,
                    transport, channels, inDoubtTimeout);
        }
    }
}
