package io.ferry.cli;

import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.StateDigest;
import io.ferry.transport.MigrationUri;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The source of a migration between two plain-Java processes. */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = {
            "Starts a running machine and migrates it live to a 'ferry incoming' destination,",
            "a progress line per pass, then prints the figures and the state digest at switchover.",
            "Exit codes: 0 completed (the machine runs on the destination); 1 failed or cancelled",
            "(the machine resumed here, nothing lost); 2 bad usage or an error before migrating."
        })
final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machine;

    @Parameters(index = "0", paramLabel = "URI", description = "tcp:HOST:PORT of a waiting 'ferry incoming'.")
    String uri;

    @Option(
            names = "--dirty-rate",
            defaultValue = "20000",
            description = "Pages per second the vCPU dirties while migrating (default: ${DEFAULT-VALUE}).")
    long dirtyRate;

    @Option(
            names = "--pattern",
            defaultValue = "hot",
            description = "uniform, sequential, hot or hot:FRACTION (default: ${DEFAULT-VALUE}).")
    String pattern;

    @Option(
            names = "--max-bandwidth",
            defaultValue = "0",
            converter = SizeConverter.class,
            description = "Bytes per second the stream may use, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    long maxBandwidth;

    @Option(
            names = "--downtime-limit",
            defaultValue = "300",
            description = "Longest acceptable pause, in ms (default: ${DEFAULT-VALUE}).")
    long downtimeLimit;

    @Mixin
    ParameterOptions parameters;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        MigrationUri target = MigrationUri.parse(uri);
        MigrationParameters params = MigrationParameters.defaults()
                .withMaxBandwidth(maxBandwidth)
                .withDowntimeLimit(Duration.ofMillis(downtimeLimit));
        params = parameters.apply(params);
        PluginRegistry registry = PluginRegistry.fromServiceLoader(MigrateCommand.class.getClassLoader());
        Migrator migrator = new Migrator(registry);
        ProcessWarmUp warmUp = ProcessWarmUp.start(migrator, params.transport()); // while the machine is built
        try (Machine source = machine.spec(dirtyRate, pattern).buildSource(registry, "source")) {
            out.println(warmUp.await());
            Migration m = migrator.migrate(source, target, params, new ProgressPrinter(out));
            MigrationFigures f = m.await(Duration.ofHours(1));
            out.println(Reports.figures(m, f));
            if (f.status() != MigrationStatus.COMPLETED) {
                out.printf("machine %s: %s (resumed here)%n", source.name(), source.runState());
                return 1;
            }
            out.printf(
                    "machine %s: %s%nstate %s%n",
                    source.name(), source.runState(), StateDigest.of(source).state());
            return 0;
        }
    }
}
