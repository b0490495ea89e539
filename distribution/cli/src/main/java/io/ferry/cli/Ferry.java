package io.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ferry} command line. */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        version = "ferry 0.1.0",
        description = "Live migration of a running machine, with prioritized migration stages.",
        subcommands = {
            DemoCommand.class,
            BenchCommand.class,
            DowntimeBenchCommand.class,
            IncomingCommand.class,
            MigrateCommand.class,
            TlsInitCommand.class,
            TlsCostCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Ferry implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for tests. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Ferry());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ferry: " + e.getMessage());
            return e instanceof MigrationNotIntactException ? 1 : 2;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
