package io.ferry.itest;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.MachineSpec;
import io.ferry.shell.StateDigest;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One side of a migration as a process of its own, run from the distribution's {@code lib/} (the
 * framework and its plugins, by ServiceLoader) plus {@link SwitchoverHold}: the library's
 * documented calls, driven line by line on standard input as an operator would.
 *
 * <p>Arguments: {@code source|destination URI RAM HOLD [NAME=VALUE...]} where HOLD is a
 * {@link SwitchoverHold.Point} label or {@code none}. The machine has RAM only and no workload, so
 * its state at switchover is its state at start. Commands: {@code release} (the hold),
 * {@code resolve commit|abort} ({@link Migration#resolve} with this migration's stream id).
 * Output lines: {@code start STATE} (source), {@code waiting on URI} (destination),
 * {@code held POINT}, {@code status STATUS decision VERDICT}, then at the end
 * {@code ended STATUS decision VERDICT}, {@code machine RUNSTATE}, {@code state DIGEST}; the
 * process then exits.
 */
final class SwitchoverPeer {
    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private volatile Migration migration;

    private SwitchoverPeer() {}

    public static void main(String[] args) throws Exception {
        new SwitchoverPeer().run(args);
    }

    private void run(String[] args) throws Exception {
        boolean source = args[0].equals("source");
        MigrationUri uri = MigrationUri.parse(args[1]);
        MachineSpec spec = new MachineSpec(Long.parseLong(args[2]) << 20, List.of(), 0, new DirtyPattern.Uniform(), 11);
        SwitchoverHold hold =
                args[3].equals("none") ? null : new SwitchoverHold(SwitchoverHold.Point.parse(args[3]), out);
        MigrationParameters params = MigrationParameters.defaults();
        for (String p : List.of(args).subList(4, args.length)) {
            params = params.with(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
        }
        PluginRegistry registry = PluginRegistry.fromServiceLoader(SwitchoverPeer.class.getClassLoader());
        if (hold != null) {
            registry.add(hold);
        }
        Thread commands = new Thread(() -> commands(hold), "commands");
        commands.setDaemon(true);
        Migrator migrator = new Migrator(registry);
        MigrationListener listener = new MigrationListener() {
            @Override
            public void statusChanged(Migration m, MigrationStatus from, MigrationStatus to) {
                out.println("status " + to + " decision " + decision(m));
            }
        };
        try (Machine machine =
                source ? spec.buildSource(registry, "source") : spec.buildDestination(registry, "dest")) {
            if (source) {
                out.println("start " + StateDigest.of(machine).state());
                migration = migrator.migrate(machine, uri, params, listener);
            } else {
                params = params.withRunOnDestination(false); // paused at switchover: its state is what arrived
                IncomingEndpoint endpoint = Transports.listen(uri, params.transport());
                migration = migrator.incoming(machine, endpoint, params, listener);
                out.println("waiting on " + endpoint.address());
            }
            commands.start();
            Migration m = migration;
            m.await(Duration.ofMinutes(5));
            out.println("ended " + m.status() + " decision " + decision(m)
                    + m.failure().map(f -> " (" + f.getMessage() + ")").orElse(""));
            String state = StateDigest.of(machine).state();
            if (!source && m.status() == MigrationStatus.COMPLETED) {
                machine.start();
            }
            out.println("machine " + machine.runState());
            out.println("state " + state);
        }
    }

    private static String decision(Migration m) {
        return m.decision().map(d -> d.verdict().toString()).orElse("NONE");
    }

    private void commands(SwitchoverHold hold) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.strip().split(" ");
                if (words[0].equals("release") && hold != null) {
                    hold.release();
                } else if (words[0].equals("resolve")) {
                    Migration m = migration;
                    Verdict verdict = words[1].equals("commit") ? Verdict.COMMITTED : Verdict.ABORTED;
                    boolean taken =
                            m.resolve(new SwitchoverDecision(m.streamId().orElseThrow(), verdict));
                    out.println("resolved " + verdict + " " + taken);
                }
            }
        } catch (Exception e) {
            out.println("command failed: " + e);
        }
    }
}
