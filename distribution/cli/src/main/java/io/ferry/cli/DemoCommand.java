package io.ferry.cli;

import io.ferry.machine.Device;
import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.machine.Vcpu;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.Sizes;
import io.ferry.shell.MachineSpec;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Migrates a running machine live to a destination in this process over loopback TCP, then
 * verifies that the destination's RAM and devices equal the source's at switchover.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Live-migrates a running machine over loopback TCP and verifies the result.",
                "Source and destination run in this process; the stream goes through a real TCP socket."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ram", defaultValue = "1G", converter = SizeConverter.class,
            description = "Guest RAM size (default: ${DEFAULT-VALUE}).")
    long ram;

    @Option(names = "--dirty-rate", defaultValue = "50000",
            description = "Pages per second the vCPU dirties while the machine runs (default: ${DEFAULT-VALUE}).")
    long dirtyRate;

    @Option(names = "--pattern", defaultValue = "hot",
            description = "Which pages the vCPU dirties: uniform, sequential, hot (10%% hot set) or hot:FRACTION"
                    + " (default: ${DEFAULT-VALUE}).")
    String pattern;

    @Option(names = "--max-bandwidth", defaultValue = "0", converter = SizeConverter.class,
            description = "Bytes per second the stream may use, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    long maxBandwidth;

    @Option(names = "--downtime-limit", defaultValue = "300",
            description = "Longest acceptable pause, in ms (default: ${DEFAULT-VALUE}).")
    long downtimeLimit;

    @Option(names = "--iteration-cap", defaultValue = "" + MigrationParameters.DEFAULT_ITERATION_CAP,
            description = "Most iterative passes before completing anyway (default: ${DEFAULT-VALUE}).")
    int iterationCap;

    @Option(names = "--devices", split = ",", defaultValue = DemoDefaults.DEVICES,
            description = "Devices to attach, from the plugins' device models (default: ${DEFAULT-VALUE}; none: --devices=).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--port", defaultValue = "0", description = "Loopback TCP port for the destination, 0 = any free port.")
    int port;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the synthetic RAM content and workload.")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        MigrationParameters params = MigrationParameters.defaults()
                .withMaxBandwidth(maxBandwidth)
                .withDowntimeLimit(Duration.ofMillis(downtimeLimit))
                .withIterationCap(iterationCap)
                .withRunOnDestination(false); // compare both sides at switchover, then start the destination
        DirtyPattern dirtyPattern = DirtyPattern.parse(pattern);
        PluginRegistry registry = PluginRegistry.fromServiceLoader(DemoCommand.class.getClassLoader());
        out.printf("ferry demo: %s guest RAM, vCPU dirtying %d pages/s (%s), devices %s, plugins %s%n",
                Sizes.format(ram), dirtyRate, pattern, devices.isEmpty() ? "none" : devices,
                registry.snapshot().stream().map(MigrationPlugin::name).collect(Collectors.toList()));

        MachineSpec machine = new MachineSpec(ram, devices, dirtyRate, dirtyPattern, seed);
        try (Machine source = machine.buildSource(registry, "source");
                Machine destination = machine.buildDestination(registry, "destination")) {
            Vcpu vcpu = source.vcpus().stream().findFirst().orElse(null);

            Migrator migrator = new Migrator(registry);
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", port));
            out.printf("destination listening on %s%n", endpoint.address());
            Migration incoming = migrator.incoming(destination, endpoint, params);
            Migration outgoing = migrator.migrate(source, endpoint.address(), params, new ProgressPrinter(out));
            MigrationFigures f = outgoing.await(Duration.ofMinutes(30));
            incoming.await(Duration.ofMinutes(1));
            out.println();
            out.println(f.report());
            out.printf("vCPU wrote %d pages on the source%n", vcpu == null ? 0 : vcpu.steps());
            if (f.status() != MigrationStatus.COMPLETED || incoming.status() != MigrationStatus.COMPLETED) {
                out.printf("migration FAILED: source %s (%s), destination %s (%s)%n", f.status(),
                        outgoing.failure().map(Throwable::getMessage).orElse("-"), incoming.status(),
                        incoming.failure().map(Throwable::getMessage).orElse("-"));
                return 1;
            }
            boolean verified = verify(out, source, destination);
            destination.changeRunState(RunState.RUNNING);
            out.printf("destination is %s; source is %s%n", destination.runState(), source.runState());
            return verified ? 0 : 1;
        }
    }

    /** Compares RAM byte for byte and every device's state; prints the verdict. */
    private static boolean verify(PrintWriter out, Machine source, Machine destination) {
        Optional<Long> diff = source.memory().firstDifference(destination.memory());
        String digest = source.memory().digest();
        boolean ramOk = diff.isEmpty() && digest.equals(destination.memory().digest());
        out.printf("verify: guest RAM %s (%s, digest %s)%n", ramOk ? "EQUAL" : "DIFFERS at 0x" + Long.toHexString(diff.orElse(-1L)),
                Sizes.format(source.memory().size()), digest.substring(0, 16));
        boolean devicesOk = true;
        for (Device d : source.devices()) {
            String theirs = destination.device(d.id()).map(Device::stateFingerprint).orElse("(missing)");
            boolean same = d.stateFingerprint().equals(theirs);
            devicesOk &= same;
            out.printf("verify: device %s %s%n", d.id(), same ? "EQUAL" : "DIFFERS: " + d.stateFingerprint() + " vs " + theirs);
        }
        boolean ok = ramOk && devicesOk;
        out.println(ok ? "VERIFIED: destination state equals the source's at switchover" : "VERIFICATION FAILED");
        out.flush();
        return ok;
    }
}
