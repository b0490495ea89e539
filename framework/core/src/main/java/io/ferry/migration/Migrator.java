package io.ferry.migration;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.machine.RunState;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TransportOptions;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts migrations with the plugins of a {@link PluginRegistry}. Each migration runs on its
 * own thread and pins the registry's plugins when it starts.
 *
 * <pre>{@code
 * Migrator migrator = new Migrator(PluginRegistry.fromServiceLoader(getClass().getClassLoader()));
 * Migration in = migrator.incoming(destination, Transports.listen(MigrationUri.parse("tcp:127.0.0.1:4444")), params);
 * Migration out = migrator.migrate(source, MigrationUri.parse("tcp:127.0.0.1:4444"), params);
 * out.await(Duration.ofMinutes(1));
 * migrator.close(); // once done watching: the migrations' MXBeans go
 * }</pre>
 *
 * Each migration is an MXBean in the platform MBean server; {@link #close()} unregisters this
 * migrator's, a running migration's too (it neither waits for nor cancels them), so close a
 * migrator once done watching its migrations, not in a block around {@code migrate}.
 */
public final class Migrator implements AutoCloseable {
    private static final Set<RunState> MIGRATABLE = EnumSet.of(RunState.RUNNING, RunState.PAUSED, RunState.PRELAUNCH);

    /**
     * The system property that turns the process warm-up off ({@code -Dferry.warm-up=false}); on by
     * default. Read by the places that start one (the framework's OSGi service, the CLI), see
     * {@link #warmUp()}.
     */
    public static final String WARM_UP_PROPERTY = "ferry.warm-up";

    private final PluginRegistry registry;
    private final MigrationEngine engine;
    private final AtomicReference<WarmUp> warmUp = new AtomicReference<>();
    /** TLS warm-ups by the credentials they use. */
    private final Map<Path, WarmUp> tlsWarmUps = new ConcurrentHashMap<>();

    private volatile boolean warmUpsStopped;

    public Migrator(PluginRegistry registry) {
        this.registry = checkNotNull(registry, "registry");
        // The engine lives in the framework's private package; finding it here keeps this package free of it.
        this.engine = ServiceLoader.load(MigrationEngine.class, Migrator.class.getClassLoader())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no MigrationEngine in the framework: its"
                        + " META-INF/services/" + MigrationEngine.class.getName() + " is missing"));
    }

    public PluginRegistry registry() {
        return registry;
    }

    /** Whether {@link #WARM_UP_PROPERTY} leaves the warm-up on (anything but {@code false}). */
    public static boolean warmUpEnabled() {
        return !"false"
                .equalsIgnoreCase(System.getProperty(WARM_UP_PROPERTY, "true").strip());
    }

    /**
     * Warms this process's migration path up, off the critical path: on a daemon thread, a few
     * small migrations (64 MiB, paused and running, random and half-zero pages) between two
     * throwaway machines over loopback TCP, with this migrator's plugins, so that class loading and
     * the JIT's compiling of the send, receive, CRC and copy loops are paid before the first real
     * migration rather than during it. A {@link #migrate} call while it runs makes it stop after its
     * current round, so it never competes for long with a real migration. Its migrations are
     * ordinary ones (they show in JMX as machine {@code ferry-warm-up}). Calling it again returns
     * the same warm-up.
     *
     * @return completes with the time the warm-up took, or exceptionally if one of its migrations
     *     failed (which affects nothing else)
     */
    public CompletableFuture<Duration> warmUp() {
        WarmUp w = new WarmUp(this, TransportOptions.defaults());
        if (warmUp.compareAndSet(null, w)) {
            yieldIfStopped(w).start();
        }
        return warmUp.get().done();
    }

    /** Yields {@code w}, about to start, if the warm-ups were stopped (it then runs no round). */
    private WarmUp yieldIfStopped(WarmUp w) {
        // Registered before this read; stopWarmUps sets the flag before it collects: one of them sees the other.
        if (warmUpsStopped) {
            w.yieldTo();
        }
        return w;
    }

    /**
     * As {@link #warmUp()}, over {@code transport}: with TLS credentials, rounds run over TLS
     * with those credentials on both ends (any certificate of their CA accepted, since the peer is
     * this process on loopback), so the first TLS migration does not pay for the TLS engine's
     * class loading and compiling either (docs/tls-cost.md measures both). They start once the plain
     * warm-up of {@link #warmUp()} (started if it was not) has ended. The credentials' certificate must allow client and server
     * authentication, as {@code ferry tls-init}'s do; if not, the returned future fails and nothing
     * else is affected. Without credentials this is {@link #warmUp()}. Calling it again with the
     * same credentials returns the same warm-up, unless that one failed.
     */
    public CompletableFuture<Duration> warmUp(TransportOptions transport) {
        checkNotNull(transport, "transport");
        if (!transport.tls()) {
            return warmUp();
        }
        TransportOptions loopback = transport.with("tls-authz", "");
        // A warm-up that failed (credentials not there yet, say) is tried again on the next call.
        return tlsWarmUps
                .compute(transport.tlsCreds().orElseThrow(), (creds, w) -> {
                    if (w != null && !w.done().isCompletedExceptionally()) {
                        return w;
                    }
                    return yieldIfStopped(new WarmUp(this, loopback)).startAfter(warmUp());
                })
                .done();
    }

    /**
     * Stops this migrator's warm-ups ({@link #warmUp()}, {@link #warmUp(TransportOptions)}), for a
     * host shutting down: none starts a round after this, those asked for later run none, and this
     * waits (at most {@code bound} in all) for the round in progress to end, so it is not cut short
     * (it would fail and log why). A stopped warm-up completes normally, with the time it ran
     * ({@link Duration#ZERO} if it ran no round).
     *
     * @return whether every warm-up had ended within {@code bound}
     */
    public boolean stopWarmUps(Duration bound) throws InterruptedException {
        checkNotNull(bound, "bound");
        warmUpsStopped = true;
        List<WarmUp> all = new ArrayList<>(tlsWarmUps.values());
        WarmUp plain = warmUp.get();
        if (plain != null) {
            all.add(plain);
        }
        all.forEach(WarmUp::yieldTo);
        long deadline = System.nanoTime() + bound.toNanos();
        for (WarmUp w : all) {
            if (!w.awaitEnd(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Done with this migrator: unregisters from the platform MBean server the MXBeans of the
     * migrations it started ({@code io.ferry:type=Migration,...}, finished ones kept for their
     * figures included), so none outlives its user (a framework bundle that stops, say). A migration
     * still running keeps running, but its bean goes too: its later updates show nowhere, and
     * migrations started after this register none. Other migrators' beans stay. Warm-ups are not
     * stopped: see {@link #stopWarmUps}. JMX trouble is logged, never thrown; calling it again does
     * nothing more.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Migrates {@code machine} to {@code uri}: a listening destination ({@code tcp:}) or a snapshot
     * file ({@code file:}, one channel only).
     *
     * @throws IllegalArgumentException if {@code params} ask for several channels to a file
     */
    public Migration migrate(
            Machine machine, MigrationUri uri, MigrationParameters params, MigrationListener... listeners) {
        checkNotNull(uri, "uri");
        checkNotNull(params, "params");
        checkArgument(
                params.channels() == 1 || uri instanceof MigrationUri.Tcp,
                "channels %s: a snapshot file (%s) is written on one channel; several channels need a tcp: destination",
                params.channels(),
                uri);
        return migrate(machine, () -> Transports.connect(uri, params.transport()), uri.toString(), params, listeners);
    }

    /**
     * Migrates {@code machine} over an already connected channel (the in-memory transport): one channel.
     *
     * @throws IllegalArgumentException if {@code params} ask for several channels
     */
    public Migration migrate(
            Machine machine, MigrationChannel channel, MigrationParameters params, MigrationListener... listeners) {
        checkNotNull(channel, "channel");
        checkNotNull(params, "params");
        checkArgument(
                params.channels() == 1,
                "channels %s: %s is one connection; several channels need a tcp: URI",
                params.channels(),
                channel.describe());
        return migrate(machine, () -> channel, channel.describe(), params, listeners);
    }

    /**
     * Listens on {@code uri} with {@code params}' transport options (TLS, handshake and progress
     * timeouts) and waits there for a stream to load into {@code machine}.
     */
    public Migration incoming(
            Machine machine, MigrationUri uri, MigrationParameters params, MigrationListener... listeners)
            throws IOException {
        checkNotNull(uri, "uri");
        checkNotNull(params, "params");
        return incoming(machine, Transports.listen(uri, params.transport()), params, listeners);
    }

    /**
     * Waits on {@code endpoint} for a stream and loads it into {@code machine} (in {@link RunState#INMIGRATE}).
     * If the migration cannot start, the endpoint is closed (its port released) and nothing stays claimed.
     */
    public Migration incoming(
            Machine machine, IncomingEndpoint endpoint, MigrationParameters params, MigrationListener... listeners) {
        checkNotNull(endpoint, "endpoint");
        MigrationClaim claim = null;
        try {
            checkNotNull(machine, "machine");
            checkNotNull(params, "params");
            checkState(
                    machine.runState() == RunState.INMIGRATE,
                    "machine %s is %s: an incoming migration needs a machine in INMIGRATE",
                    machine.name(),
                    machine.runState());
            claim = machine.claimForMigration("incoming migration on " + endpoint.describe());
            return engine.destination(claim, machine, registry, params, endpoint, listeners);
        } catch (RuntimeException | Error e) {
            release(claim, endpoint, e);
            throw e;
        }
    }

    private static void release(MigrationClaim claim, IncomingEndpoint endpoint, Throwable failure) {
        if (claim != null) {
            claim.close();
        }
        try {
            endpoint.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Loads a stream from an already connected channel (the in-memory transport) into {@code machine}. */
    public Migration incoming(
            Machine machine, MigrationChannel channel, MigrationParameters params, MigrationListener... listeners) {
        checkNotNull(channel, "channel");
        return incoming(
                machine,
                new IncomingEndpoint() {
                    @Override
                    public MigrationUri address() {
                        throw new UnsupportedOperationException(
                                "an in-memory channel has no URI: " + channel.describe());
                    }

                    @Override
                    public String describe() {
                        return channel.describe();
                    }

                    @Override
                    public MigrationChannel accept() {
                        return channel;
                    }

                    @Override
                    public void close() throws IOException {
                        channel.close();
                    }
                },
                params,
                listeners);
    }

    /** The warm-up's own migrations: they must not make it yield to itself. */
    Migration migrateUnchecked(Machine machine, MigrationUri uri, MigrationParameters params) {
        return start(machine, () -> Transports.connect(uri, params.transport()), uri.toString(), params);
    }

    private Migration migrate(
            Machine machine,
            MigrationEngine.ChannelOpener opener,
            String target,
            MigrationParameters params,
            MigrationListener... listeners) {
        WarmUp w = warmUp.get();
        if (w != null) {
            w.yieldTo();
        }
        tlsWarmUps.values().forEach(WarmUp::yieldTo);
        return start(machine, opener, target, params, listeners);
    }

    private Migration start(
            Machine machine,
            MigrationEngine.ChannelOpener opener,
            String target,
            MigrationParameters params,
            MigrationListener... listeners) {
        checkNotNull(machine, "machine");
        checkNotNull(params, "params");
        checkState(
                MIGRATABLE.contains(machine.runState()),
                "machine %s is %s: only a running, paused or not yet started machine can migrate",
                machine.name(),
                machine.runState());
        MigrationClaim claim = machine.claimForMigration("migration to " + target);
        try {
            return engine.source(claim, machine, registry, params, opener, target, listeners);
        } catch (RuntimeException | Error e) {
            claim.close(); // a migration that never started holds nothing
            throw e;
        }
    }
}
