package io.ferry.cli;

import com.google.common.base.Stopwatch;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Migrates a paused machine over loopback TCP, source and destination in this process, and
 * prints the median total time per case, runs interleaved across cases. Both sides' RAM is
 * allocated and pre-faulted before timing; a warm-up migration runs first.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Throughput of a paused machine's migration over loopback TCP.",
                "Cases are RAM sizes x contents (random, zero, half = half zero pages); runs are interleaved."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--sizes", split = ",", defaultValue = "1G", converter = SizeConverter.class,
            description = "Guest RAM sizes (default: ${DEFAULT-VALUE}).")
    List<Long> sizes;

    @Option(names = "--contents", split = ",", defaultValue = "random,zero,half",
            description = "RAM contents: random, zero, half (default: ${DEFAULT-VALUE}).")
    List<Content> contents;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per case (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run three 256 MiB migrations first so the JIT has compiled the data path (default: on).")
    boolean warmUp;

    enum Content {
        random, zero, half
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1 but was " + runs);
        }
        PrintWriter out = spec.commandLine().getOut();
        PluginRegistry registry = PluginRegistry.fromServiceLoader(BenchCommand.class.getClassLoader());
        Migrator migrator = new Migrator(registry);
        MigrationParameters params = MigrationParameters.defaults().withRunOnDestination(false);
        out.printf("ferry bench: paused machine, loopback TCP, %d run(s) per case, plugins %s%n", runs,
                registry.snapshot().stream().map(p -> p.name()).toList());
        if (warmUp) {
            warmUp(out, migrator, params);
        }
        out.printf("%-14s %10s %10s %10s %12s %14s %12s %8s%n", "case", "median ms", "min ms", "max ms", "MiB/s",
                "wire bytes", "QEMU ms", "ratio");
        for (long size : sizes) {
            GuestMemory source = GuestMemory.of(size);
            GuestMemory destination = GuestMemory.of(size);
            long[][] times = new long[contents.size()][runs];
            long[] wire = new long[contents.size()];
            for (int run = 0; run < runs; run++) {
                for (int c = 0; c < contents.size(); c++) {
                    fill(source, contents.get(c));
                    MigrationFigures f = migrate(migrator, params, source, destination, times[c], run);
                    wire[c] = f.transferredBytes();
                }
            }
            for (int c = 0; c < contents.size(); c++) {
                report(out, size, contents.get(c), times[c], wire[c]);
            }
        }
        out.println("QEMU ms: QEMU 7.2 on this kind of machine, same workload, median of 5 (../shared/TOOLCHAIN.md);"
                + " ratio = QEMU time / Ferry time (above 1: Ferry is faster).");
        out.flush();
        return 0;
    }

    private void warmUp(PrintWriter out, Migrator migrator, MigrationParameters params) throws Exception {
        GuestMemory a = GuestMemory.of(256L << 20);
        GuestMemory b = GuestMemory.of(256L << 20);
        long[] t = new long[3];
        for (int i = 0; i < t.length; i++) {
            MemoryFill.halfZero(a, i);
            migrate(migrator, params, a, b, t, i);
        }
        out.printf("warm-up: 3 x 256 MiB in %s ms%n", Arrays.toString(t));
    }

    /** One timed migration of {@code sourceRam} over loopback TCP with {@code params} (TLS if they say so). */
    static MigrationFigures migrate(Migrator migrator, MigrationParameters params, GuestMemory sourceRam,
            GuestMemory destinationRam, long[] times, int run) throws Exception {
        MemoryFill.zero(destinationRam); // as a fresh destination has it; outside the timing
        Machine source = Machine.create("bench-source", sourceRam);
        Machine destination = Machine.incoming("bench-destination", destinationRam);
        try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), params.transport())) {
            Migration in = migrator.incoming(destination, endpoint, params);
            Stopwatch watch = Stopwatch.createStarted();
            Migration out = migrator.migrate(source, endpoint.address(), params);
            MigrationFigures f = out.await(Duration.ofMinutes(10));
            times[run] = watch.elapsed(TimeUnit.MILLISECONDS);
            in.await(Duration.ofMinutes(1));
            if (f.status() != MigrationStatus.COMPLETED || in.status() != MigrationStatus.COMPLETED
                    || !sourceRam.contentEquals(destinationRam)) {
                throw new IllegalStateException("bench migration did not arrive intact: source " + f.status() + " "
                        + out.failure().map(Throwable::getMessage).orElse("") + ", destination " + in.status() + " "
                        + in.failure().map(Throwable::getMessage).orElse(""));
            }
            return f;
        }
    }

    private static void fill(GuestMemory memory, Content content) {
        switch (content) {
            case random -> MemoryFill.random(memory, 7, 0);
            case zero -> MemoryFill.zero(memory);
            case half -> MemoryFill.halfZero(memory, 7);
            default -> throw new AssertionError(content);
        }
    }

    private static void report(PrintWriter out, long size, Content content, long[] times, long wire) {
        long[] sorted = times.clone();
        Arrays.sort(sorted);
        long median = sorted[sorted.length / 2];
        double mibPerSec = (size / (double) (1 << 20)) / Math.max(1e-3, median / 1000.0);
        String name = Sizes.format(size).replace(".0", "") + " " + content;
        Long qemu = QemuReference.millis(size, content.name());
        out.printf(Locale.ROOT, "%-14s %10d %10d %10d %12.0f %14d %12s %8s%n", name, median, sorted[0],
                sorted[sorted.length - 1], mibPerSec, wire, qemu == null ? "-" : qemu.toString(),
                qemu == null ? "-" : String.format(Locale.ROOT, "%.2fx", qemu / (double) Math.max(1, median)));
        out.flush();
    }
}
