package io.ferry.cli;

import io.ferry.machine.DirtyPattern;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Sizes;
import io.ferry.migration.Throttling;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.MachineSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Migrates a running machine live to a destination in this process over loopback TCP, then
 * verifies that the destination's RAM and devices equal the source's at switchover.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Live-migrates a running machine over loopback TCP and verifies the result.",
            "Source and destination run in this process; the stream goes through a real TCP socket."
        })
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--ram",
            defaultValue = "1G",
            converter = SizeConverter.class,
            description = "Guest RAM size (default: ${DEFAULT-VALUE}).")
    long ram;

    @Option(
            names = "--dirty-rate",
            defaultValue = "50000",
            description = "Pages per second the vCPU dirties while the machine runs (default: ${DEFAULT-VALUE}).")
    long dirtyRate;

    @Option(
            names = "--pattern",
            defaultValue = "hot",
            description = "Which pages the vCPU dirties: uniform, sequential, hot (10%% hot set) or hot:FRACTION"
                    + " (default: ${DEFAULT-VALUE}).")
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

    @Option(
            names = "--iteration-cap",
            defaultValue = "" + MigrationParameters.DEFAULT_ITERATION_CAP,
            description = "Most iterative passes before completing anyway (default: ${DEFAULT-VALUE}).")
    int iterationCap;

    @Option(
            names = "--downtime-guard",
            negatable = true,
            defaultValue = "false",
            description = "Step back from a switchover that would exceed the downtime limit and iterate again"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean downtimeGuard;

    @Option(
            names = "--switchover-attempts",
            defaultValue = "" + MigrationParameters.DEFAULT_SWITCHOVER_ATTEMPTS,
            description = "With the guard: most switchover attempts before giving up (default: ${DEFAULT-VALUE}).")
    int switchoverAttempts;

    @Option(
            names = "--auto-converge",
            negatable = true,
            defaultValue = "false",
            description =
                    "Throttle the vCPUs step by step while the migration does not converge (default: ${DEFAULT-VALUE}).")
    boolean autoConverge;

    @Option(
            names = "--dirty-limit",
            negatable = true,
            defaultValue = "false",
            description = "Limit each vCPU's dirty rate to --vcpu-dirty-limit while the migration does not converge"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean dirtyLimit;

    @Option(
            names = "--vcpu-dirty-limit",
            defaultValue = "1M",
            converter = SizeConverter.class,
            description = "With --dirty-limit: bytes per second each vCPU may dirty (default: ${DEFAULT-VALUE}).")
    long vcpuDirtyLimit;

    @Option(
            names = "--compression",
            defaultValue = "none",
            description = "How RAM page data is compressed: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Compression compression;

    @Option(
            names = "--xbzrle-cache-size",
            defaultValue = "0",
            converter = SizeConverter.class,
            description = "Bytes of the XBZRLE cache for delta pages, 0 = off (default: ${DEFAULT-VALUE}).")
    long xbzrleCacheSize;

    @Option(
            names = "--devices",
            split = ",",
            defaultValue = DemoDefaults.DEVICES,
            description =
                    "Devices to attach, from the plugins' device models (default: ${DEFAULT-VALUE}; none: --devices=).")
    List<String> devices = new ArrayList<>();

    @Option(
            names = "--port",
            defaultValue = "0",
            description = "Loopback TCP port for the destination, 0 = any free port.")
    int port;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the synthetic RAM content and workload.")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        MigrationParameters params = parameters();
        DirtyPattern dirtyPattern = DirtyPattern.parse(pattern);
        PluginRegistry registry = PluginRegistry.fromServiceLoader(DemoCommand.class.getClassLoader());
        out.printf(
                "ferry demo: %s guest RAM, vCPU dirtying %d pages/s (%s), devices %s, plugins %s%n",
                Sizes.format(ram),
                dirtyRate,
                pattern,
                devices.isEmpty() ? "none" : devices,
                registry.snapshot().stream().map(MigrationPlugin::name).collect(Collectors.toList()));

        DemoRun demo = new DemoRun(new MachineSpec(ram, devices, dirtyRate, dirtyPattern, seed));
        // The destination stays paused until both sides are compared at switchover, then starts.
        DemoRun.Result r = demo.run(registry, params, port, out, new ProgressPrinter(out));
        MigrationFigures f = r.figures();
        out.println();
        out.println(f.report());
        out.printf("vCPU wrote %d pages on the source%n", r.vcpuSteps());
        r.report().forEach(out::println);
        out.flush();
        if (!r.completed()) {
            out.printf(
                    "migration FAILED: source %s (%s), destination %s (%s)%n",
                    f.status(),
                    r.outgoing().failure().map(Throwable::getMessage).orElse("-"),
                    r.incoming().status(),
                    r.incoming().failure().map(Throwable::getMessage).orElse("-"));
            return 1;
        }
        return r.verified() ? 0 : 1;
    }

    /** The migration parameters the options ask for; bad combinations fail naming the parameter. */
    MigrationParameters parameters() {
        return MigrationParameters.defaults()
                .withMaxBandwidth(maxBandwidth)
                .withDowntimeLimit(Duration.ofMillis(downtimeLimit))
                .withIterationCap(iterationCap)
                .withDowntimeGuard(downtimeGuard)
                .withSwitchoverAttempts(switchoverAttempts)
                .withThrottling(
                        Throttling.defaults().withAutoConverge(autoConverge).withDirtyLimit(dirtyLimit, vcpuDirtyLimit))
                .withCompression(compression)
                .withXbzrleCacheSize(xbzrleCacheSize);
    }
}
