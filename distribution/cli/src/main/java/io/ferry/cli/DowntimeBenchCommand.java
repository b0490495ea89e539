package io.ferry.cli;

import io.ferry.machine.DirtyPattern;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.MachineSpec;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures how well the switchover keeps its downtime limit: live migrations of a dirtying machine
 * over loopback TCP across dirty rates (fractions of the bandwidth) x downtime limits x dirty
 * patterns, each with the downtime guard off and on, runs interleaved. Prints expected against
 * actual (end-to-end) downtime per run, then per guard setting how many runs converged and the
 * share of those within the limit.
 */
@Command(
        name = "downtime-bench",
        mixinStandardHelpOptions = true,
        description = {
            "Expected vs actual downtime over dirty rates x downtime limits x patterns, guard off and on.",
            "Every run is a live migration over loopback TCP in this process, its state verified."
        })
final class DowntimeBenchCommand implements Callable<Integer> {
    private static final int PAGE = 4096;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--ram",
            defaultValue = "256M",
            converter = SizeConverter.class,
            description = "Guest RAM size (default: ${DEFAULT-VALUE}).")
    long ram;

    @Option(
            names = "--max-bandwidth",
            defaultValue = "256M",
            converter = SizeConverter.class,
            description =
                    "Bytes per second the stream may use; the dirty rates are fractions of it (default: ${DEFAULT-VALUE}).")
    long bandwidth;

    @Option(
            names = "--rates",
            split = ",",
            defaultValue = "0.1,0.25,0.5",
            description = "Dirty rates as fractions of the bandwidth, at most 0.5 (default: ${DEFAULT-VALUE}).")
    List<Double> rates;

    @Option(
            names = "--pages-per-second",
            split = ",",
            description = "Dirty rates in pages per second instead of --rates (for an unlimited --max-bandwidth 0).")
    List<Long> pagesPerSecond = new ArrayList<>();

    @Option(
            names = "--devices",
            split = ",",
            defaultValue = "",
            description = "Devices to attach, from the plugins' device models (default: none).")
    List<String> devices = new ArrayList<>();

    @Option(
            names = "--limits",
            split = ",",
            defaultValue = "20,50,100,300",
            description = "Downtime limits in ms (default: ${DEFAULT-VALUE}).")
    List<Long> limits;

    @Option(
            names = "--patterns",
            split = ",",
            defaultValue = "uniform,hot",
            description = "Dirty patterns (default: ${DEFAULT-VALUE}).")
    List<String> patterns;

    @Option(
            names = "--runs",
            defaultValue = "2",
            description = "Runs per case and guard setting (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--switchover-attempts",
            defaultValue = "" + MigrationParameters.DEFAULT_SWITCHOVER_ATTEMPTS,
            description = "With the guard: most switchover attempts (default: ${DEFAULT-VALUE}).")
    int attempts;

    @Option(
            names = "--iteration-cap",
            defaultValue = "" + MigrationParameters.DEFAULT_ITERATION_CAP,
            description = "Most iterative passes per attempt (default: ${DEFAULT-VALUE}).")
    int iterationCap;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the RAM content and workload.")
    long seed;

    /** One run's outcome. */
    private record Row(
            boolean guard,
            boolean completed,
            boolean verified,
            boolean converged,
            long limit,
            long expected,
            long actual,
            int attempts) {
        boolean within() {
            return completed && actual <= limit;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        for (double r : rates) {
            if (r <= 0 || r > 0.5) {
                throw new IllegalArgumentException("--rates: " + r + " is not in (0, 0.5]");
            }
        }
        if (pagesPerSecond.isEmpty() && bandwidth == 0) {
            throw new IllegalArgumentException(
                    "--rates are fractions of --max-bandwidth: with 0 (unlimited) give" + " --pages-per-second");
        }
        List<Long> dirtyRates = !pagesPerSecond.isEmpty()
                ? pagesPerSecond
                : rates.stream().map(r -> (long) (r * bandwidth / PAGE)).toList();
        PluginRegistry registry = PluginRegistry.fromServiceLoader(DowntimeBenchCommand.class.getClassLoader());
        List<String> models =
                devices.stream().filter(n -> !n.isBlank()).map(String::trim).toList();
        models.forEach(registry::deviceModel); // an unknown device fails here, before any run
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        out.printf(
                Locale.ROOT,
                "ferry downtime-bench: %s guest RAM, max-bandwidth %s, devices %s, %d run(s) per case%n",
                Sizes.format(ram),
                bandwidth == 0 ? "unlimited" : Sizes.format(bandwidth) + "/s",
                models.isEmpty() ? "none" : devices,
                runs);
        out.printf(
                Locale.ROOT,
                "%-6s %8s %6s %-8s %-5s %3s  %-9s %4s %9s %9s %8s %-5s %-6s %s%n",
                "rate",
                "pages/s",
                "limit",
                "pattern",
                "guard",
                "run",
                "status",
                "att",
                "expected",
                "actual",
                "error",
                "conv",
                "within",
                "state");
        out.flush();
        List<Row> rows = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            for (long rate : dirtyRates) {
                for (long limit : limits) {
                    for (String pattern : patterns) {
                        for (boolean guard : new boolean[] {false, true}) {
                            rows.add(runOne(out, quiet, registry, models, rate, limit, pattern, guard, run));
                        }
                    }
                }
            }
        }
        summarize(out, rows);
        return rows.stream().allMatch(r -> !r.completed || r.verified) ? 0 : 1;
    }

    private Row runOne(
            PrintWriter out,
            PrintWriter quiet,
            PluginRegistry registry,
            List<String> models,
            long pagesPerSecond,
            long limit,
            String pattern,
            boolean guard,
            int run)
            throws Exception {
        MigrationParameters params = MigrationParameters.defaults()
                .withMaxBandwidth(bandwidth)
                .withDowntimeLimit(Duration.ofMillis(limit))
                .withIterationCap(iterationCap)
                .withDowntimeGuard(guard)
                .withSwitchoverAttempts(attempts);
        DemoRun demo =
                new DemoRun(new MachineSpec(ram, models, pagesPerSecond, DirtyPattern.parse(pattern), seed + run));
        DemoRun.Result r = demo.run(registry, params, 0, quiet);
        MigrationFigures f = r.figures();
        long expected = f.expectedDowntimeMillis();
        long actual = f.downtimeMillis();
        Row row = new Row(
                guard,
                r.completed(),
                r.verified(),
                r.completed() && expected < limit,
                limit,
                expected,
                actual,
                f.switchover().attempts());
        String rate =
                bandwidth == 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double) pagesPerSecond * PAGE / bandwidth);
        out.printf(
                Locale.ROOT,
                "%-6s %8d %6d %-8s %-5s %3d  %-9s %4d %9d %9d %+8d %-5s %-6s %s%n",
                rate,
                pagesPerSecond,
                limit,
                pattern,
                guard ? "on" : "off",
                run,
                f.status(),
                row.attempts(),
                expected,
                actual,
                actual - expected,
                row.converged() ? "yes" : "no",
                row.within() ? "yes" : "no",
                !r.completed() ? "source running" : r.verified() ? "verified" : "DIFFERS");
        out.flush();
        return row;
    }

    private static void summarize(PrintWriter out, List<Row> rows) {
        out.println();
        out.printf(
                Locale.ROOT,
                "%-5s %5s %9s %10s %10s %8s %6s %14s %8s%n",
                "guard",
                "runs",
                "completed",
                "converged",
                "within",
                "share",
                "kept",
                "mean |error|",
                "gave up");
        for (boolean guard : new boolean[] {false, true}) {
            List<Row> mine = rows.stream().filter(r -> r.guard == guard).toList();
            List<Row> converged = mine.stream().filter(Row::converged).toList();
            long within = converged.stream().filter(Row::within).count();
            double meanError = mine.stream()
                    .filter(Row::completed)
                    .mapToLong(r -> Math.abs(r.actual - r.expected))
                    .average()
                    .orElse(0);
            long kept = mine.stream().filter(Row::within).count();
            out.printf(
                    Locale.ROOT,
                    "%-5s %5d %9d %10d %10d %7.0f%% %3d/%-2d %11.1f ms %8d%n",
                    guard ? "on" : "off",
                    mine.size(),
                    mine.stream().filter(Row::completed).count(),
                    converged.size(),
                    within,
                    converged.isEmpty() ? 0.0 : 100.0 * within / converged.size(),
                    kept,
                    mine.size(),
                    meanError,
                    mine.stream().filter(r -> !r.completed).count());
        }
        out.println("share = runs within the limit among the runs that converged (expected < limit at the last pass);");
        out.println(
                "kept = completed runs within the limit, of all runs (a guard run after a step-back may complete at");
        out.println(
                "the cap, not converged, and still keep the limit); mean |error| = |actual - expected| of completed runs;");
        out.println("gave up = the guard exhausted switchover-attempts and the source kept running.");
        out.flush();
    }
}
