package io.ferry.transport;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * How TCP channels are secured and bounded, as QEMU's {@code tls-creds}, {@code tls-authz} and
 * the migration timeouts. Immutable; set one by name with {@link #with(String, String)}.
 *
 * @param tlsCreds a directory with {@code ca-cert.pem} (the certificates this side trusts) and this
 *     host's key and certificate, as {@code host-key.pem} (PKCS#8) + {@code host-cert.pem}, or as
 *     {@code host.p12} (PKCS#12) with its password in {@code host.p12.pass}; empty: plain TCP
 * @param tlsAuthz the peer certificate subjects allowed to connect or be connected to (X.500 names,
 *     compared as names); empty allows any certificate the CA signed
 * @param tlsRequired with credentials configured, refuse a plaintext peer before reading a frame
 *     (on by default); off lets a listener also accept plaintext sources
 * @param handshakeTimeout how long a new connection may take to finish the TLS handshake and send
 *     the stream header
 * @param progressTimeout how long a write may make no progress (both sides), and the destination
 *     may receive no byte of the stream, before the migration fails
 */
public record TransportOptions(
        Optional<Path> tlsCreds,
        List<String> tlsAuthz,
        boolean tlsRequired,
        Duration handshakeTimeout,
        Duration progressTimeout) {

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PROGRESS_TIMEOUT = Duration.ofSeconds(30);
    static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    /** Names {@link #with(String, String)} accepts. */
    public static final List<String> NAMES =
            List.of("tls-creds", "tls-authz", "tls-required", "handshake-timeout", "progress-timeout");

    public TransportOptions {
        checkNotNull(tlsCreds, "tlsCreds");
        tlsAuthz = List.copyOf(checkNotNull(tlsAuthz, "tlsAuthz"));
        for (String subject : tlsAuthz) {
            try {
                new X500Principal(subject);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "tls-authz: '" + subject + "' is not an X.500 name (e.g. CN=host,O=org)", e);
            }
        }
        checkTimeout("handshake-timeout", handshakeTimeout);
        checkTimeout("progress-timeout", progressTimeout);
    }

    /** Plain TCP, 10 s handshake, 30 s progress timeout. */
    public static TransportOptions defaults() {
        return new TransportOptions(
                Optional.empty(), List.of(), true, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_PROGRESS_TIMEOUT);
    }

    /** Whether TLS credentials are configured. */
    public boolean tls() {
        return tlsCreds.isPresent();
    }

    /**
     * Sets one option by name: {@code tls-creds} (a directory; empty for none), {@code tls-authz}
     * (subjects separated by {@code ;}, empty for any), {@code tls-required} (true/false),
     * {@code handshake-timeout} and {@code progress-timeout} (ms).
     *
     * @throws IllegalArgumentException naming the option, its range and the bad value
     */
    public TransportOptions with(String name, String value) {
        checkNotNull(name, "name");
        checkNotNull(value, "value");
        return switch (name) {
            case "tls-creds" ->
                new TransportOptions(
                        value.isBlank() ? Optional.empty() : Optional.of(Path.of(value.strip())),
                        tlsAuthz,
                        tlsRequired,
                        handshakeTimeout,
                        progressTimeout);
            case "tls-authz" ->
                new TransportOptions(tlsCreds, authz(value), tlsRequired, handshakeTimeout, progressTimeout);
            case "tls-required" ->
                new TransportOptions(tlsCreds, tlsAuthz, bool(name, value), handshakeTimeout, progressTimeout);
            case "handshake-timeout" ->
                new TransportOptions(tlsCreds, tlsAuthz, tlsRequired, millis(name, value), progressTimeout);
            case "progress-timeout" ->
                new TransportOptions(tlsCreds, tlsAuthz, tlsRequired, handshakeTimeout, millis(name, value));
            default ->
                throw new IllegalArgumentException("unknown transport option '" + name + "': known are " + NAMES);
        };
    }

    private static List<String> authz(String value) {
        return Arrays.stream(value.split(";"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static Duration millis(String name, String value) {
        try {
            return Duration.ofMillis(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "parameter " + name + ": '" + value + "' is not a number of milliseconds", e);
        }
    }

    private static boolean bool(String name, String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default ->
                throw new IllegalArgumentException("parameter " + name + ": '" + value + "' is not true or false");
        };
    }

    private static void checkTimeout(String name, Duration d) {
        checkNotNull(d, name);
        checkArgument(
                d.compareTo(MIN_TIMEOUT) >= 0 && d.compareTo(MAX_TIMEOUT) <= 0,
                "%s must be in [%s ms, %s ms] but was %s ms",
                name,
                MIN_TIMEOUT.toMillis(),
                MAX_TIMEOUT.toMillis(),
                d.toMillis());
    }
}
