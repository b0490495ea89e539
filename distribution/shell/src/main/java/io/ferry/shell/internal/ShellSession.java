package io.ferry.shell.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.MachineSpec;
import io.ferry.shell.internal.Views.CancelOutcome;
import io.ferry.shell.internal.Views.Listening;
import io.ferry.shell.internal.Views.MachineInfo;
import io.ferry.shell.internal.Views.MigrationInfo;
import io.ferry.shell.internal.Views.MigrationStarted;
import io.ferry.shell.internal.Views.ResolveOutcome;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What the shell acts on in this process: one local machine, the current migration (either
 * direction) and the parameters of the next one. Methods return data and throw with a one-line
 * message on bad input. Thread-safe.
 */
final class ShellSession implements AutoCloseable {
    private final Migrator migrator;
    private final boolean ownsMigrator; // made here: closed with the session (the framework's is not)
    private Machine machine;
    private TrackedMigration migration;
    private long migrations;
    private MigrationParameters parameters = MigrationParameters.defaults();

    /**
     * On the framework's migrator (the {@code MigrationService}'s): its warm-ups are the ones the
     * shell's migrations yield to and that stop with the framework, TLS ones included.
     */
    ShellSession(Migrator migrator) {
        this(migrator, false);
    }

    /** On a migrator of its own, with {@code plugins}, closed with the session. */
    ShellSession(PluginRegistry plugins) {
        this(new Migrator(plugins), true);
    }

    private ShellSession(Migrator migrator, boolean ownsMigrator) {
        this.migrator = migrator;
        this.ownsMigrator = ownsMigrator;
    }

    PluginRegistry plugins() {
        return migrator.registry();
    }

    /** Replaces the local machine with a new source ({@code incoming} false) or destination. */
    synchronized MachineInfo createMachine(MachineSpec spec, boolean incoming) {
        checkState(
                migration == null || migration.isTerminal(),
                "a migration is %s: cancel it or wait before replacing the machine",
                migration == null ? "" : migration.status());
        spec.check(plugins()); // a typo must not cost the machine there is: check before closing it
        if (machine != null) { // first, so its guest RAM is free for the new one
            machine.close();
            machine = null;
        }
        machine = incoming ? spec.buildDestination(plugins(), "incoming") : spec.buildSource(plugins(), "local");
        migration = null;
        return ShellData.machine(machine);
    }

    synchronized Optional<Machine> machine() {
        return Optional.ofNullable(machine);
    }

    /** Waits for a migration into the local machine on {@code uri}; returns at once. */
    synchronized Listening incoming(MigrationUri uri) throws IOException {
        checkArgument(
                uri instanceof MigrationUri.Tcp, "incoming takes tcp:HOST:PORT; restore a snapshot with ferry:restore");
        incomingMachine();
        checkIdle();
        IncomingEndpoint endpoint = Transports.listen(uri, parameters.transport()); // TLS and timeouts as set
        try {
            startIntoIncoming(endpoint.address().toString(), (mg, m, p, t) -> mg.incoming(m, endpoint, p, t));
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
        return new Listening(endpoint.address().toString());
    }

    /** Starts migrating the local machine to {@code uri}; returns at once (follow it with {@link #current()}). */
    synchronized MigrationStarted migrate(MigrationUri uri) {
        Begun b = startFromSource(uri.toString(), false, (mg, m, p, t) -> mg.migrate(m, uri, p, t));
        return new MigrationStarted(b.machine().name(), uri.toString());
    }

    /** How a migration starts on the session's machine, with the session's parameters and tracker. */
    interface Start {
        Migration start(Migrator migrator, Machine machine, MigrationParameters parameters, MigrationListener tracker);
    }

    /** A migration the session began: its machine, the machine's run state before, and its tracker. */
    record Begun(Machine machine, RunState before, TrackedMigration migration) {}

    /** Starts a migration of the local source machine, paused first if {@code pause}, as the current migration. */
    synchronized Begun startFromSource(String peer, boolean pause, Start start) {
        Machine source = sourceMachine();
        checkIdle();
        RunState before = source.runState();
        if (pause) {
            source.pause();
        }
        try {
            return new Begun(source, before, track(peer, t -> start.start(migrator, source, parameters, t)));
        } catch (RuntimeException e) {
            if (pause) {
                source.changeRunState(before);
            }
            throw e;
        }
    }

    /** Starts a migration into the local incoming machine as the current migration. */
    synchronized Begun startIntoIncoming(String peer, Start start) {
        Machine target = incomingMachine();
        checkIdle();
        return new Begun(target, target.runState(), track(peer, t -> start.start(migrator, target, parameters, t)));
    }

    /** The current migration, to follow. */
    synchronized TrackedMigration current() {
        checkState(migration != null, "no migration yet");
        return migration;
    }

    synchronized Optional<MigrationInfo> info() {
        return Optional.ofNullable(migration).map(TrackedMigration::info);
    }

    synchronized CancelOutcome cancel() {
        TrackedMigration t = current();
        boolean cancelled = t.migration().cancel();
        return new CancelOutcome(t.migration().side(), cancelled, t.migration().status());
    }

    /**
     * Ends the current migration's doubt: on the destination with the source's decision for its
     * stream ({@code commit}: run here; {@code abort}: discard), on the source with how the
     * destination ended ({@code commit}: it runs; {@code abort}: it never ran, resume here). The
     * engine refuses another stream's id.
     */
    synchronized ResolveOutcome resolve(String decision, String stream) {
        TrackedMigration t = current();
        Migration m = t.migration();
        checkState(m.status() == MigrationStatus.IN_DOUBT, "the current migration is %s, not IN_DOUBT", m.status());
        SwitchoverDecision.Verdict verdict = switch (decision) {
            case "commit" -> SwitchoverDecision.Verdict.COMMITTED;
            case "abort" -> SwitchoverDecision.Verdict.ABORTED;
            default -> throw new IllegalArgumentException("decision must be commit or abort, not '" + decision + "'");
        };
        long id;
        try {
            id = Long.parseUnsignedLong(stream, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "stream must be the 16 hex digits ferry:info shows, not '" + stream + "'");
        }
        boolean resolved = m.resolve(new SwitchoverDecision(id, verdict));
        return new ResolveOutcome(m.side(), stream, verdict, resolved, m.status());
    }

    synchronized MigrationParameters setParameter(String name, String value) {
        parameters = parameters.with(name, value);
        if (name.equals("tls-creds") && parameters.transport().tls() && Migrator.warmUpEnabled()) {
            migrator.warmUp(parameters.transport()); // the TLS path warmed before the first TLS migration
        }
        return parameters;
    }

    synchronized MigrationParameters parameters() {
        return parameters;
    }

    synchronized Views.Digests verify() {
        checkState(machine != null, "no machine: create one with ferry:machine --ram SIZE");
        return ShellData.digests(machine);
    }

    /** Runs the machine: a paused one, or one loaded by an incoming migration that kept it paused. */
    synchronized MachineInfo cont() {
        checkState(machine != null, "no machine");
        checkIdle();
        RunState state = machine.runState();
        checkState(
                state != RunState.INMIGRATE,
                "machine %s waits for an incoming migration: it has nothing to run yet",
                machine.name());
        checkState(
                state != RunState.POSTMIGRATE,
                "machine %s migrated away: it runs on the destination now, and must not run twice",
                machine.name());
        machine.start();
        return ShellData.machine(machine);
    }

    /** Detaches device {@code id} from the local machine (its vCPUs stop, its regions are freed), between migrations. */
    synchronized Views.Detached detach(String id) {
        checkState(machine != null, "no machine");
        checkIdle();
        machine.detach(id);
        return new Views.Detached(id, ShellData.machine(machine));
    }

    synchronized MachineInfo pause() {
        checkState(machine != null, "no machine");
        checkIdle();
        checkState(
                machine.runState() == RunState.RUNNING,
                "machine %s is %s, not running",
                machine.name(),
                machine.runState());
        machine.pause();
        return ShellData.machine(machine);
    }

    /** Cancels a migration in progress (waiting up to a minute for it to end), then shuts the machine down. */
    @Override
    public void close() {
        TrackedMigration t;
        synchronized (this) {
            t = migration;
        }
        if (t != null && !t.isTerminal()) {
            t.migration().cancel();
            try {
                t.migration().await(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (TimeoutException e) {
                // shut down regardless: the machine's vCPUs must not outlive the shell
            }
        }
        try {
            synchronized (this) {
                if (machine != null) {
                    machine.close();
                }
            }
        } finally { // a listener that threw on SHUTDOWN: the beans still go
            if (ownsMigrator) {
                migrator.close();
            }
        }
    }

    /** Starts a migration with a fresh tracker as its listener (so no pass is missed) and makes it the current one. */
    private TrackedMigration track(String peer, Function<TrackedMigration, Migration> start) {
        TrackedMigration t = new TrackedMigration(migrations + 1, peer);
        t.attach(start.apply(t));
        migrations++;
        migration = t;
        return t;
    }

    private Machine sourceMachine() {
        checkState(machine != null, "no machine: create one with ferry:machine --ram SIZE");
        checkState(
                machine.runState() != RunState.INMIGRATE,
                "machine %s waits for an incoming migration; create a source with ferry:machine --ram SIZE",
                machine.name());
        return machine;
    }

    private Machine incomingMachine() {
        checkState(
                machine != null && machine.runState() == RunState.INMIGRATE,
                "no incoming machine: create one with ferry:machine --incoming --ram SIZE [--devices ...]");
        return machine;
    }

    private void checkIdle() {
        checkState(
                migration == null || migration.isTerminal(),
                "a migration is already %s (ferry:info)",
                migration == null ? "absent" : migration.status());
    }
}
