package io.ferry.cli;

import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.StateDigest;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The destination of a migration between two plain-Java processes. */
@Command(
        name = "incoming",
        mixinStandardHelpOptions = true,
        description = {
            "Waits on tcp:HOST:PORT for one migration from 'ferry migrate', loads it into an empty machine,",
            "prints the figures and the state digest at switchover, starts the machine, and ends.",
            "Exit codes: 0 the migration completed; 1 it failed or was cancelled (the source resumes);",
            "2 bad usage or an error before any migration."
        })
final class IncomingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machine;

    @Parameters(index = "0", paramLabel = "URI", description = "tcp:HOST:PORT to listen on (port 0: any free port).")
    String uri;

    @Option(
            names = "--timeout",
            defaultValue = "600",
            description = "Seconds to wait for the migration to end (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Mixin
    ParameterOptions parameters;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!(MigrationUri.parse(uri) instanceof MigrationUri.Tcp tcp)) {
            throw new IllegalArgumentException("incoming takes tcp:HOST:PORT, not '" + uri + "'");
        }
        PluginRegistry registry = PluginRegistry.fromServiceLoader(IncomingCommand.class.getClassLoader());
        Migrator migrator = new Migrator(registry);
        // kept paused at switchover, so the digest is of the state that arrived; then it runs
        MigrationParameters params =
                parameters.apply(MigrationParameters.defaults()).withRunOnDestination(false);
        // the receive and copy loops (over TLS with credentials), warmed while the machine is built
        ProcessWarmUp warmUp = ProcessWarmUp.start(migrator, params.transport());
        try (Machine destination = machine.spec(0, "hot").buildDestination(registry, "incoming")) {
            String warmedUp = warmUp.await();
            IncomingEndpoint endpoint = Transports.listen(tcp, params.transport());
            Migration m = migrator.incoming(destination, endpoint, params);
            out.printf("waiting for a migration on %s%n", endpoint.address()); // the first line: scripts read the URI
            out.println(warmedUp);
            out.flush();
            MigrationFigures f = m.await(Duration.ofSeconds(timeoutSeconds));
            out.println(Reports.figures(m, f));
            if (f.status() != MigrationStatus.COMPLETED) {
                return 1;
            }
            String state = StateDigest.of(destination).state();
            destination.start();
            out.printf("machine %s: %s%nstate %s%n", destination.name(), destination.runState(), state);
            return 0;
        }
    }
}
