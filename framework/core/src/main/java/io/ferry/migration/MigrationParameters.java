package io.ferry.migration;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.Compression;
import io.ferry.transport.TransportOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

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
 *     destination must accept what the source sends (RAM batches are about 520 KiB; the default,
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
        checkArgument(
                maxBandwidth == 0 || (maxBandwidth >= MIN_BANDWIDTH && maxBandwidth <= MAX_BANDWIDTH),
                "max-bandwidth must be 0 (unlimited) or in [1M, 1T] bytes/s but was %s",
                maxBandwidth);
        checkNotNull(downtimeLimit, "downtimeLimit");
        checkArgument(
                !downtimeLimit.isNegative() && downtimeLimit.compareTo(MAX_DOWNTIME_LIMIT) <= 0,
                "downtime-limit must be in [0, %s] ms but was %s ms",
                MAX_DOWNTIME_LIMIT.toMillis(),
                downtimeLimit.toMillis());
        checkArgument(
                iterationCap >= 1 && iterationCap <= MAX_ITERATION_CAP,
                "iteration-cap must be in [1, %s] but was %s",
                MAX_ITERATION_CAP,
                iterationCap);
        checkArgument(
                maxFrameSize >= 64 << 10 && maxFrameSize <= 256 << 20,
                "max-frame-size must be in [64 KiB, 256 MiB] but was %s",
                maxFrameSize);
        checkNotNull(switchoverTimeout, "switchoverTimeout");
        checkArgument(
                switchoverTimeout.compareTo(MIN_SWITCHOVER_TIMEOUT) >= 0
                        && switchoverTimeout.compareTo(MAX_SWITCHOVER_TIMEOUT) <= 0,
                "switchover-timeout must be in [%s, %s] ms but was %s ms",
                MIN_SWITCHOVER_TIMEOUT.toMillis(),
                MAX_SWITCHOVER_TIMEOUT.toMillis(),
                switchoverTimeout.toMillis());
        checkArgument(
                switchoverAttempts >= 1 && switchoverAttempts <= MAX_SWITCHOVER_ATTEMPTS,
                "switchover-attempts must be in [1, %s] but was %s",
                MAX_SWITCHOVER_ATTEMPTS,
                switchoverAttempts);
        checkNotNull(throttling, "throttling");
        checkNotNull(compression, "compression");
        checkArgument(
                xbzrleCacheSize == 0 || (xbzrleCacheSize >= 4096 && xbzrleCacheSize <= 1L << 30),
                "xbzrle-cache-size must be 0 (off) or in [4 KiB, 1 GiB] but was %s",
                xbzrleCacheSize);
        checkNotNull(transport, "transport");
        checkArgument(
                channels >= 1 && channels <= MAX_CHANNELS,
                "channels must be in [1, %s] but was %s",
                MAX_CHANNELS,
                channels);
        checkNotNull(inDoubtTimeout, "inDoubtTimeout");
        checkArgument(
                inDoubtTimeout.compareTo(MIN_IN_DOUBT_TIMEOUT) >= 0
                        && inDoubtTimeout.compareTo(MAX_IN_DOUBT_TIMEOUT) <= 0,
                "in-doubt-timeout must be in [%s, %s] ms but was %s ms",
                MIN_IN_DOUBT_TIMEOUT.toMillis(),
                MAX_IN_DOUBT_TIMEOUT.toMillis(),
                inDoubtTimeout.toMillis());
    }

    /** The 0.1.0 parameters; every later one at its default. */
    public MigrationParameters(
            long maxBandwidth,
            Duration downtimeLimit,
            int iterationCap,
            int maxFrameSize,
            Duration switchoverTimeout,
            boolean runOnDestination) {
        this(
                maxBandwidth,
                downtimeLimit,
                iterationCap,
                maxFrameSize,
                switchoverTimeout,
                runOnDestination,
                false,
                DEFAULT_SWITCHOVER_ATTEMPTS,
                Throttling.defaults(),
                Compression.none,
                0,
                TransportOptions.defaults(),
                1,
                DEFAULT_IN_DOUBT_TIMEOUT);
    }

    /**
     * Unlimited bandwidth, 300 ms downtime, 30 passes, 4 MiB frames, 30 s switchover, destination
     * runs; no downtime guard, no convergence help, no compression, no XBZRLE, no TLS.
     */
    public static MigrationParameters defaults() {
        return new MigrationParameters(
                0, DEFAULT_DOWNTIME_LIMIT, DEFAULT_ITERATION_CAP, DEFAULT_MAX_FRAME_SIZE, Duration.ofSeconds(30), true);
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
     * Sets a parameter by its QEMU-style name ({@link Name#text()}), the value as text in the
     * parameter's {@link Unit} (the shell's {@code set-parameter}).
     *
     * @throws IllegalArgumentException naming the parameter and the bad value, or listing the
     *     known names if {@code name} is none of them
     */
    public MigrationParameters with(String name, String value) {
        return with(Name.of(checkNotNull(name, "name")), value);
    }

    /**
     * Sets one parameter from text in its {@link Unit}.
     *
     * @throws IllegalArgumentException naming the parameter and the bad value
     */
    public MigrationParameters with(Name name, String value) {
        checkNotNull(name, "name");
        checkNotNull(value, "value");
        try {
            return name.setter.apply(this, value.strip());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("parameter " + name.text + ": '" + value + "' is not a valid number", e);
        } catch (NotABooleanException e) {
            throw new IllegalArgumentException("parameter " + name.text + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every name {@link #with(String, String)} accepts, in {@link Name} order: the one list the
     * shell's {@code ferry:parameters}, its {@code set-parameter} help and its completion are
     * derived from.
     */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * {@link #names()} as one compile-time constant, comma separated, for annotations (the
     * shell's command help); a test keeps it equal to {@link Name}'s list.
     */
    public static final String NAME_LIST = "max-bandwidth, downtime-limit, iteration-cap, max-frame-size,"
            + " switchover-timeout, run-on-destination, downtime-guard, switchover-attempts, compression,"
            + " xbzrle-cache-size, auto-converge, cpu-throttle-initial, cpu-throttle-increment, max-cpu-throttle,"
            + " dirty-limit, vcpu-dirty-limit, channels, tls-creds, tls-authz, tls-required, handshake-timeout, progress-timeout,"
            + " in-doubt-timeout";

    private static final List<String> NAMES =
            Arrays.stream(Name.values()).map(Name::text).toList();

    /**
     * Every parameter's value by name (the keys are {@link #names()}), as text in its
     * {@link Unit} that {@link #with(String, String)} takes back.
     */
    public Map<String, String> byName() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Name name : Name.values()) {
            out.put(name.text, name.value(this));
        }
        return Collections.unmodifiableMap(out);
    }

    /** What a parameter's text value counts; the shell formats each for people. */
    public enum Unit {
        /** Bytes, with an optional K/M/G/T suffix (binary). */
        BYTES,
        /** Bytes per second, with an optional K/M/G/T suffix; 0 means unlimited where allowed. */
        BYTES_PER_SECOND,
        /** Milliseconds. */
        MILLISECONDS,
        /** Percent, an integer. */
        PERCENT,
        /** A count, an integer. */
        COUNT,
        /** true/false (also on/off, yes/no). */
        BOOLEAN,
        /** One of a fixed set of words. */
        CHOICE,
        /** Free text: a path, or a list separated by {@code ;}; empty for none. */
        TEXT
    }

    /**
     * A parameter: its QEMU-style name, its unit, one line on what it does, and how to read and
     * write it as text. The parameter table, {@link #with(String, String)}, {@link #byName()}
     * and the shell's help all come from here.
     */
    public enum Name {
        MAX_BANDWIDTH(
                "max-bandwidth",
                Unit.BYTES_PER_SECOND,
                "bandwidth the stream may use, 0 for unlimited",
                (p, v) -> p.withMaxBandwidth(Sizes.parse(v)),
                p -> Long.toString(p.maxBandwidth)),
        DOWNTIME_LIMIT(
                "downtime-limit",
                Unit.MILLISECONDS,
                "longest pause the source accepts at switchover",
                (p, v) -> p.withDowntimeLimit(Duration.ofMillis(Long.parseLong(v))),
                p -> millis(p.downtimeLimit)),
        ITERATION_CAP(
                "iteration-cap",
                Unit.COUNT,
                "most passes before completing anyway",
                (p, v) -> p.withIterationCap(Integer.parseInt(v)),
                p -> Integer.toString(p.iterationCap)),
        MAX_FRAME_SIZE(
                "max-frame-size",
                Unit.BYTES,
                "largest frame payload written or accepted",
                (p, v) -> p.withMaxFrameSize(Math.toIntExact(Sizes.parse(v))),
                p -> Integer.toString(p.maxFrameSize)),
        SWITCHOVER_TIMEOUT(
                "switchover-timeout",
                Unit.MILLISECONDS,
                "wait for the peer's acknowledgement or commit",
                (p, v) -> p.withSwitchoverTimeout(Duration.ofMillis(Long.parseLong(v))),
                p -> millis(p.switchoverTimeout)),
        RUN_ON_DESTINATION(
                "run-on-destination",
                Unit.BOOLEAN,
                "destination runs the machine once loaded",
                (p, v) -> p.withRunOnDestination(parseBoolean(v)),
                p -> Boolean.toString(p.runOnDestination)),
        DOWNTIME_GUARD(
                "downtime-guard",
                Unit.BOOLEAN,
                "step back from a switchover that would overrun the limit",
                (p, v) -> p.withDowntimeGuard(parseBoolean(v)),
                p -> Boolean.toString(p.downtimeGuard)),
        SWITCHOVER_ATTEMPTS(
                "switchover-attempts",
                Unit.COUNT,
                "most switchover attempts with the guard on",
                (p, v) -> p.withSwitchoverAttempts(Integer.parseInt(v)),
                p -> Integer.toString(p.switchoverAttempts)),
        COMPRESSION(
                "compression",
                Unit.CHOICE,
                "RAM page compression: none, lz4 or zstd",
                (p, v) -> p.withCompression(Compression.parse(v)),
                p -> p.compression.name()),
        XBZRLE_CACHE_SIZE(
                "xbzrle-cache-size",
                Unit.BYTES,
                "cache for XBZRLE delta pages, 0 for off",
                (p, v) -> p.withXbzrleCacheSize(Sizes.parse(v)),
                p -> Long.toString(p.xbzrleCacheSize)),
        AUTO_CONVERGE(
                "auto-converge",
                Unit.BOOLEAN,
                "throttle the vCPUs in steps when dirtying outruns the link",
                (p, v) -> p.withThrottling(p.throttling.withAutoConverge(parseBoolean(v))),
                p -> Boolean.toString(p.throttling.autoConverge())),
        CPU_THROTTLE_INITIAL(
                "cpu-throttle-initial",
                Unit.PERCENT,
                "first auto-converge throttle step",
                (p, v) -> p.withThrottling(p.throttling.withSteps(
                        Integer.parseInt(v), p.throttling.incrementPercent(), p.throttling.maxPercent())),
                p -> Integer.toString(p.throttling.initialPercent())),
        CPU_THROTTLE_INCREMENT(
                "cpu-throttle-increment",
                Unit.PERCENT,
                "each later auto-converge step",
                (p, v) -> p.withThrottling(p.throttling.withSteps(
                        p.throttling.initialPercent(), Integer.parseInt(v), p.throttling.maxPercent())),
                p -> Integer.toString(p.throttling.incrementPercent())),
        MAX_CPU_THROTTLE(
                "max-cpu-throttle",
                Unit.PERCENT,
                "highest auto-converge throttle",
                (p, v) -> p.withThrottling(p.throttling.withSteps(
                        p.throttling.initialPercent(), p.throttling.incrementPercent(), Integer.parseInt(v))),
                p -> Integer.toString(p.throttling.maxPercent())),
        DIRTY_LIMIT(
                "dirty-limit",
                Unit.BOOLEAN,
                "limit each vCPU's dirty rate when dirtying outruns the link",
                (p, v) -> p.withThrottling(p.throttling.withDirtyLimit(parseBoolean(v), p.throttling.vcpuDirtyLimit())),
                p -> Boolean.toString(p.throttling.dirtyLimit())),
        VCPU_DIRTY_LIMIT(
                "vcpu-dirty-limit",
                Unit.BYTES_PER_SECOND,
                "the per-vCPU dirty rate limit",
                (p, v) -> p.withThrottling(p.throttling.withDirtyLimit(p.throttling.dirtyLimit(), Sizes.parse(v))),
                p -> Long.toString(p.throttling.vcpuDirtyLimit())),
        CHANNELS(
                "channels",
                Unit.COUNT,
                "TCP connections per migration",
                (p, v) -> p.withChannels(Integer.parseInt(v)),
                p -> Integer.toString(p.channels)),
        TLS_CREDS(
                "tls-creds",
                Unit.TEXT,
                "directory with this host's TLS key, certificate and CA",
                (p, v) -> p.withTransport(p.transport.with("tls-creds", v)),
                p -> p.transport.tlsCreds().map(Object::toString).orElse("")),
        TLS_AUTHZ(
                "tls-authz",
                Unit.TEXT,
                "peer certificate subjects allowed, separated by ;",
                (p, v) -> p.withTransport(p.transport.with("tls-authz", v)),
                p -> String.join(";", p.transport.tlsAuthz())),
        TLS_REQUIRED(
                "tls-required",
                Unit.BOOLEAN,
                "refuse a plaintext peer when credentials are set",
                (p, v) -> p.withTransport(p.transport.with("tls-required", v)),
                p -> Boolean.toString(p.transport.tlsRequired())),
        HANDSHAKE_TIMEOUT(
                "handshake-timeout",
                Unit.MILLISECONDS,
                "longest connection and TLS handshake",
                (p, v) -> p.withTransport(p.transport.with("handshake-timeout", v)),
                p -> millis(p.transport.handshakeTimeout())),
        PROGRESS_TIMEOUT(
                "progress-timeout",
                Unit.MILLISECONDS,
                "longest a read or write may make no progress",
                (p, v) -> p.withTransport(p.transport.with("progress-timeout", v)),
                p -> millis(p.transport.progressTimeout())),
        IN_DOUBT_TIMEOUT(
                "in-doubt-timeout",
                Unit.MILLISECONDS,
                "how long an in-doubt destination asks the source",
                (p, v) -> p.withInDoubtTimeout(Duration.ofMillis(Long.parseLong(v))),
                p -> millis(p.inDoubtTimeout));

        private final String text;
        private final Unit unit;
        private final String description;
        private final BiFunction<MigrationParameters, String, MigrationParameters> setter;
        private final Function<MigrationParameters, String> getter;

        Name(
                String text,
                Unit unit,
                String description,
                BiFunction<MigrationParameters, String, MigrationParameters> setter,
                Function<MigrationParameters, String> getter) {
            this.text = text;
            this.unit = unit;
            this.description = description;
            this.setter = setter;
            this.getter = getter;
        }

        /**
         * The parameter called {@code text}.
         *
         * @throws IllegalArgumentException listing the known names if there is none such
         */
        public static Name of(String text) {
            for (Name name : values()) {
                if (name.text.equals(text)) {
                    return name;
                }
            }
            throw new IllegalArgumentException(
                    "unknown parameter '" + text + "': known are " + String.join(", ", NAMES));
        }

        /** The QEMU-style name, e.g. {@code downtime-limit}. */
        public String text() {
            return text;
        }

        public Unit unit() {
            return unit;
        }

        /** One line on what the parameter does. */
        public String description() {
            return description;
        }

        /** The parameter's value in {@code p}, as text that {@link MigrationParameters#with(Name, String)} takes back. */
        public String value(MigrationParameters p) {
            return getter.apply(checkNotNull(p, "p"));
        }

        private static String millis(Duration d) {
            return Long.toString(d.toMillis());
        }
    }

    static boolean parseBoolean(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new NotABooleanException(value);
        };
    }

    /** Thrown by {@link #parseBoolean}, so {@link #with(Name, String)} can name the parameter. */
    private static final class NotABooleanException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NotABooleanException(String value) {
            super("'" + value + "' is not true or false");
        }
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
            return new MigrationParameters(
                    maxBandwidth,
                    downtimeLimit,
                    iterationCap,
                    maxFrameSize,
                    switchoverTimeout,
                    runOnDestination,
                    downtimeGuard,
                    switchoverAttempts,
                    throttling,
                    compression,
                    xbzrleCacheSize,
                    transport,
                    channels,
                    inDoubtTimeout);
        }
    }
}
