package io.ferry.testkit;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Migrator;
import io.ferry.migration.PassProgress;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.InMemoryTransport;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Migrates a source machine into a destination machine in this process, over a chosen transport,
 * optionally with a fault injected into the stream.
 *
 * <pre>{@code
 * MigrationOutcome out = Harness.between(source, destination)
 *         .plugins(ClassPathPlugins.named("ram", "its"))
 *         .transport(TransportKind.TCP)
 *         .run(Duration.ofSeconds(30))
 *         .assertCompleted();
 * StateAssertions.assertSameState(source, destination);
 * }</pre>
 */
public final class Harness {
    private final Machine source;
    private final Machine destination;
    private PluginRegistry sourcePlugins = new PluginRegistry();
    private PluginRegistry destinationPlugins = new PluginRegistry();
    private TransportKind transport = TransportKind.TCP;
    private MigrationParameters parameters = MigrationParameters.defaults().withRunOnDestination(false);
    private Fault fault;
    private Path snapshotDir;
    private final List<MigrationListener> sourceListeners = new ArrayList<>();

    private Harness(Machine source, Machine destination) {
        this.source = checkNotNull(source, "source");
        this.destination = checkNotNull(destination, "destination");
    }

    public static Harness between(Machine source, Machine destination) {
        return new Harness(source, destination);
    }

    /** The same plugins on both sides (each side gets its own registrations from them). */
    public Harness plugins(MigrationPlugin... plugins) {
        this.sourcePlugins = PluginRegistry.of(plugins);
        this.destinationPlugins = PluginRegistry.of(plugins);
        return this;
    }

    public Harness sourcePlugins(PluginRegistry registry) {
        this.sourcePlugins = checkNotNull(registry, "registry");
        return this;
    }

    public Harness destinationPlugins(PluginRegistry registry) {
        this.destinationPlugins = checkNotNull(registry, "registry");
        return this;
    }

    public Harness transport(TransportKind kind) {
        this.transport = checkNotNull(kind, "kind");
        return this;
    }

    /**
     * Parameters for both sides. The harness default keeps the destination paused after loading
     * ({@code runOnDestination = false}) so its state can be compared with the source's at
     * switchover.
     */
    public Harness parameters(MigrationParameters parameters) {
        this.parameters = checkNotNull(parameters, "parameters");
        return this;
    }

    public Harness fault(Fault fault) {
        this.fault = checkNotNull(fault, "fault");
        return this;
    }

    /** Where FILE snapshots go; a fresh temporary folder if not set. */
    public Harness snapshotDir(Path dir) {
        this.snapshotDir = checkNotNull(dir, "dir");
        return this;
    }

    public Harness listenSource(MigrationListener listener) {
        sourceListeners.add(checkNotNull(listener, "listener"));
        return this;
    }

    /** Starts both sides and returns at once. */
    public MigrationRun start() throws IOException {
        Migrator out = new Migrator(sourcePlugins);
        Migrator in = new Migrator(destinationPlugins);
        CopyOnWriteArrayList<PassProgress> passes = new CopyOnWriteArrayList<>();
        MigrationListener recorder = new MigrationListener() {
            @Override
            public void passCompleted(Migration m, PassProgress progress) {
                passes.add(progress);
            }
        };
        switch (transport) {
            case MEMORY -> {
                InMemoryTransport pipes = InMemoryTransport.open();
                Migration d = in.incoming(destination, pipes.destinationEnd(), parameters);
                Migration s = startSource(out, wrap(pipes.sourceEnd()), recorder);
                return new MigrationRun(s, () -> d, passes);
            }
            case TCP -> {
                IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                Migration d = in.incoming(destination, endpoint, parameters);
                if (parameters.channels() > 1) {
                    // Several connections: the source opens them itself, so no fault is injected into one.
                    checkState(fault == null, "a fault is injected on a single-channel migration only");
                    List<MigrationListener> all = new ArrayList<>(sourceListeners);
                    all.add(recorder);
                    Migration s =
                            out.migrate(source, endpoint.address(), parameters, all.toArray(MigrationListener[]::new));
                    return new MigrationRun(s, () -> d, passes);
                }
                MigrationChannel channel = Transports.connect(endpoint.address());
                Migration s = startSource(out, wrap(channel), recorder);
                return new MigrationRun(s, () -> d, passes);
            }
            case FILE -> {
                Path dir = snapshotDir != null ? snapshotDir : Files.createTempDirectory("ferry-snapshot");
                MigrationUri.File file = new MigrationUri.File(dir.resolve(source.name() + ".ferry"));
                Migration s = startSource(out, wrap(Transports.connect(file)), recorder);
                Deferred restore = () -> {
                    try {
                        return in.incoming(destination, Transports.listen(file), parameters);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
                return new MigrationRun(s, restore, passes);
            }
            default -> throw new AssertionError(transport);
        }
    }

    /** Starts both sides and waits for both to end. */
    public MigrationOutcome run(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        return start().await(timeout);
    }

    private Migration startSource(Migrator out, MigrationChannel channel, MigrationListener recorder) {
        checkState(source != destination, "source and destination must be different machines");
        List<MigrationListener> all = new ArrayList<>(sourceListeners);
        all.add(recorder);
        return out.migrate(source, channel, parameters, all.toArray(MigrationListener[]::new));
    }

    private MigrationChannel wrap(MigrationChannel channel) {
        return fault == null ? channel : new FaultyChannel(channel, fault);
    }

    /** A destination that starts only when asked (a snapshot restored after it was saved). */
    @FunctionalInterface
    interface Deferred extends Supplier<Migration> {}
}
