package io.ferry.shell.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.PassProgress;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What the shell acts on in this process: one local machine, the current migration (in either
 * direction) and the parameters for the next one. Every method returns the text to show and
 * throws with a one-line message on bad input. Thread-safe.
 */
final class LocalNode implements AutoCloseable {
    private static final Duration LONGEST_WAIT = Duration.ofHours(1);

    private final PluginRegistry plugins;
    private final Migrator migrator;
    private final Function<String, String> bundleOfPlugin;
    private Machine machine;
    private Migration migration;
    private MigrationParameters parameters = MigrationParameters.defaults();

    /** @param bundleOfPlugin names the bundle a plugin comes from ("-" outside OSGi) */
    LocalNode(PluginRegistry plugins, Function<String, String> bundleOfPlugin) {
        this.plugins = plugins;
        this.migrator = new Migrator(plugins);
        this.bundleOfPlugin = bundleOfPlugin;
    }

    synchronized String createMachine(long ram, List<String> deviceNames, long rate, String pattern, boolean incoming,
            long seed) {
        checkState(migration == null || migration.status().isTerminal(),
                "a migration is %s: cancel it or wait before replacing the machine", statusOf(migration));
        DirtyPattern dirtyPattern = DirtyPattern.parse(pattern);
        List<DeviceModel> models = deviceNames.stream().map(plugins::deviceModel).toList();
        Machine m = incoming ? Machine.incoming("incoming", GuestMemory.of(ram)) : Machine.create("local", GuestMemory.of(ram));
        try {
            if (!incoming) {
                MemoryFill.random(m.memory(), seed, 0.3);
            }
            for (DeviceModel model : models) {
                if (incoming) {
                    model.attachToDestination(m);
                } else {
                    model.attachToSource(m, seed);
                }
            }
            if (!incoming) {
                m.start();
                if (rate > 0) {
                    m.startVcpu("vcpu0", rate, new PageDirtier(m, dirtyPattern, seed));
                }
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        if (machine != null) {
            machine.close();
        }
        machine = m;
        migration = null;
        return Reports.machine(m);
    }

    synchronized String describeMachine() {
        return machine == null ? "no machine: create one with ferry:machine --ram SIZE [--incoming]" : Reports.machine(machine);
    }

    /** Waits for a migration into the local machine on {@code uri}; returns at once. */
    synchronized String incoming(MigrationUri uri) throws IOException {
        checkArgument(uri instanceof MigrationUri.Tcp, "incoming takes tcp:HOST:PORT; restore a snapshot with ferry:restore");
        Machine m = incomingMachine();
        checkIdle();
        IncomingEndpoint endpoint = Transports.listen(uri);
        migration = migrator.incoming(m, endpoint, parameters);
        return "waiting for a migration on " + endpoint.address();
    }

    /** Starts migrating the local machine to {@code uri}; with {@code out}, waits and draws progress there. */
    String migrate(MigrationUri uri, PrintStream out) throws InterruptedException {
        BlockingQueue<PassProgress> passes = new LinkedBlockingQueue<>();
        Migration m;
        String name;
        synchronized (this) {
            Machine source = sourceMachine();
            checkIdle();
            m = migrator.migrate(source, uri, parameters, queueing(passes));
            migration = m;
            name = source.name();
        }
        if (out == null) {
            return "migrating " + name + " to " + uri + " (ferry:info, ferry:watch, ferry:cancel)";
        }
        return follow(m, passes, out);
    }

    /** Draws the current migration's progress until it ends. */
    String watch(PrintStream out) throws InterruptedException {
        Migration m;
        synchronized (this) {
            m = current();
        }
        BlockingQueue<PassProgress> passes = new LinkedBlockingQueue<>();
        m.addListener(queueing(passes));
        return follow(m, passes, out);
    }

    synchronized String info() {
        return migration == null ? "no migration yet" : Reports.info(migration);
    }

    synchronized String cancel() {
        Migration m = current();
        if (m.cancel()) {
            return m.side() == Side.SOURCE ? "cancelling: the machine resumes here"
                    : "cancelling: this machine will not run; the source resumes";
        }
        return "nothing to cancel: the " + m.side().name().toLowerCase(Locale.ROOT) + " migration is " + m.status()
                + (m.status().isTerminal() ? "" : " and past its point of no return");
    }

    synchronized String setParameter(String name, String value) {
        parameters = parameters.with(name, value);
        return parameters();
    }

    synchronized String parameters() {
        MigrationParameters p = parameters;
        return String.format(Locale.ROOT, "max-bandwidth       %s%ndowntime-limit      %d ms%niteration-cap       %d%n"
                        + "max-frame-size      %s%nswitchover-timeout  %d ms%nrun-on-destination  %s",
                p.maxBandwidth() == 0 ? "unlimited" : Sizes.format(p.maxBandwidth()) + "/s", p.downtimeLimit().toMillis(),
                p.iterationCap(), Sizes.format(p.maxFrameSize()), p.switchoverTimeout().toMillis(), p.runOnDestination());
    }

    /** Every stage's effective order for the local machine (or a bare one), both sides. */
    synchronized String handlers() {
        boolean bare = machine == null;
        Machine m = bare ? Machine.create("bare", GuestMemory.of(16L << 20)) : machine;
        try {
            StringBuilder out = new StringBuilder(bare ? "no machine: the handlers of a bare 16 MiB machine\n" : "");
            out.append(String.format(Locale.ROOT, "%-14s %7s %-14s %-22s %-10s %-36s %s%n", "stage", "prio", "place",
                    "handler", "plugin", "bundle", "section"));
            for (Side side : Side.values()) {
                Pipeline p = Pipeline.assemble(side, m, plugins.snapshot());
                for (Stage stage : Stage.values()) {
                    if (stage.side() == side) {
                        appendStage(out, stage, p.handlers(stage));
                    }
                }
            }
            return out.toString().stripTrailing();
        } finally {
            if (bare) {
                m.close();
            }
        }
    }

    synchronized String plugins() {
        StringBuilder out = new StringBuilder();
        for (MigrationPlugin p : plugins.snapshot()) {
            out.append(String.format(Locale.ROOT, "%-10s %-36s devices %s%n", p.name(), bundleOfPlugin.apply(p.name()),
                    p.deviceModels().stream().map(DeviceModel::name).toList()));
        }
        return out.length() == 0 ? "no plugins" : out.toString().stripTrailing();
    }

    /** Pauses the machine, saves it to {@code file}, and resumes it as it was, whatever the outcome. */
    String snapshot(MigrationUri.File file) throws InterruptedException {
        Migration m;
        Machine source;
        RunState before;
        synchronized (this) {
            source = sourceMachine();
            checkIdle();
            before = source.runState();
            source.pause();
            try {
                m = migrator.migrate(source, file, parameters);
            } catch (RuntimeException e) {
                source.changeRunState(before);
                throw e;
            }
            migration = m;
        }
        MigrationFigures f = awaitUninterruptibly(m);
        source.changeRunState(before); // the migration has released the machine by the time it is terminal
        checkState(f.status() == MigrationStatus.COMPLETED, "snapshot failed: %s", failureOf(m));
        return String.format(Locale.ROOT, "saved %s to %s in %d ms (%s); machine %s", Sizes.format(source.memory().size()),
                file, f.totalMillis(), Sizes.format(f.transferredBytes()), source.runState());
    }

    /** Waits for the end of {@code m}: an interrupt (Ctrl-C) cancels it rather than abandoning it. */
    private static MigrationFigures awaitUninterruptibly(Migration m) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return m.await(LONGEST_WAIT);
                } catch (InterruptedException e) {
                    interrupted = true;
                    m.cancel();
                } catch (TimeoutException e) {
                    m.cancel();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Loads a snapshot into the local machine, which must be an incoming one. */
    String restore(MigrationUri.File file) throws IOException {
        Migration m;
        Machine target;
        synchronized (this) {
            target = incomingMachine();
            checkIdle();
            m = migrator.incoming(target, Transports.listen(file), parameters);
            migration = m;
        }
        MigrationFigures f = awaitUninterruptibly(m);
        checkState(f.status() == MigrationStatus.COMPLETED, "restore failed: %s", failureOf(m));
        return String.format(Locale.ROOT, "restored %s from %s in %d ms; machine %s", Sizes.format(target.memory().size()),
                file, f.totalMillis(), target.runState());
    }

    synchronized String verify() {
        checkState(machine != null, "no machine: create one with ferry:machine --ram SIZE");
        return Reports.verify(machine);
    }

    /** Runs the machine: a paused one, or one loaded by an incoming migration that kept it paused. */
    synchronized String cont() {
        checkState(machine != null, "no machine");
        checkIdle();
        RunState state = machine.runState();
        checkState(state != RunState.INMIGRATE, "machine %s waits for an incoming migration: it has nothing to run yet",
                machine.name());
        checkState(state != RunState.POSTMIGRATE,
                "machine %s migrated away: it runs on the destination now, and must not run twice", machine.name());
        machine.start();
        return Reports.machine(machine);
    }

    synchronized String pause() {
        checkState(machine != null, "no machine");
        checkIdle();
        checkState(machine.runState() == RunState.RUNNING, "machine %s is %s, not running", machine.name(),
                machine.runState());
        machine.pause();
        return Reports.machine(machine);
    }

    /** Cancels a migration in progress (waiting up to a minute for it to end), then shuts the machine down. */
    @Override
    public void close() {
        Migration m;
        synchronized (this) {
            m = migration;
        }
        if (m != null && !m.status().isTerminal()) {
            m.cancel();
            try {
                m.await(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (TimeoutException e) {
                // shut down regardless: the machine's vCPUs must not outlive the shell
            }
        }
        synchronized (this) {
            if (machine != null) {
                machine.close();
            }
        }
    }

    private String follow(Migration m, BlockingQueue<PassProgress> passes, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + LONGEST_WAIT.toNanos();
        while (!(m.status().isTerminal() && passes.isEmpty()) && System.nanoTime() < deadline) {
            PassProgress p = passes.poll(100, TimeUnit.MILLISECONDS);
            if (p != null) {
                out.println(Reports.progress(p));
                out.flush();
            }
        }
        return Reports.info(m);
    }

    private static MigrationListener queueing(BlockingQueue<PassProgress> passes) {
        return new MigrationListener() {
            @Override
            public void passCompleted(Migration migration, PassProgress progress) {
                passes.add(progress);
            }
        };
    }

    private void appendStage(StringBuilder out, Stage stage, List<HandlerRegistration> handlers) {
        if (handlers.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%-14s %7s%n", stage, "-"));
        }
        for (HandlerRegistration h : handlers) {
            out.append(String.format(Locale.ROOT, "%-14s %7d %-14s %-22s %-10s %-36s %s%n", stage, h.priority(),
                    Priority.describe(h.priority()), h.id(), h.plugin(), bundleOfPlugin.apply(h.plugin()),
                    h.section().map(SectionId::toString).orElse("no chunk")));
        }
    }

    private Machine sourceMachine() {
        checkState(machine != null, "no machine: create one with ferry:machine --ram SIZE");
        checkState(machine.runState() != RunState.INMIGRATE,
                "machine %s waits for an incoming migration; create a source with ferry:machine --ram SIZE", machine.name());
        return machine;
    }

    private Machine incomingMachine() {
        checkState(machine != null && machine.runState() == RunState.INMIGRATE,
                "no incoming machine: create one with ferry:machine --incoming --ram SIZE [--devices ...]");
        return machine;
    }

    private void checkIdle() {
        checkState(migration == null || migration.status().isTerminal(), "a migration is already %s (ferry:info)",
                statusOf(migration));
    }

    private Migration current() {
        checkState(migration != null, "no migration yet");
        return migration;
    }

    private static String statusOf(Migration m) {
        return m == null ? "absent" : m.status().toString();
    }

    private static String failureOf(Migration m) {
        return m.failure().map(Throwable::getMessage).orElse(m.status().toString());
    }
}
