package io.ferry.cli;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryFill;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Migrator;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.TestCertificateAuthority;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The cost of TLS: the same paused machine migrated over loopback TCP in plain text and over
 * TLS 1.3 with mutual authentication, runs interleaved, medians compared.
 */
@Command(name = "tls-cost", mixinStandardHelpOptions = true,
        description = {"Median migration time of a paused machine over loopback TCP, plain vs TLS 1.3 (mutual",
                "authentication), runs interleaved in one process; random RAM content."})
final class TlsCostCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ram", defaultValue = "1G", converter = SizeConverter.class,
            description = "Guest RAM size (default: ${DEFAULT-VALUE}).")
    long ram;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per case (default: ${DEFAULT-VALUE}).")
    int runs;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1 but was " + runs);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("ferry-tls-cost");
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry bench CA", 1);
        Path creds = ca.issue(dir.resolve("host"), "CN=bench,O=Ferry", 1);
        MigrationParameters plain = MigrationParameters.defaults().withRunOnDestination(false);
        MigrationParameters tls = plain.with("tls-creds", creds.toString()).with("tls-authz", "CN=bench,O=Ferry");
        Migrator migrator = new Migrator(PluginRegistry.fromServiceLoader(TlsCostCommand.class.getClassLoader()));
        GuestMemory source = GuestMemory.of(ram);
        GuestMemory destination = GuestMemory.of(ram);
        MemoryFill.random(source, 7, 0);
        long[] warm = new long[2];
        warm[0] = FerryRun.migrate(migrator, plain, source, destination, BenchCase.State.paused).millis(); // JIT warm-up
        warm[1] = FerryRun.migrate(migrator, tls, source, destination, BenchCase.State.paused).millis();
        long[] plainMs = new long[runs];
        long[] tlsMs = new long[runs];
        for (int run = 0; run < runs; run++) {
            plainMs[run] = FerryRun.migrate(migrator, plain, source, destination, BenchCase.State.paused).millis();
            tlsMs[run] = FerryRun.migrate(migrator, tls, source, destination, BenchCase.State.paused).millis();
        }
        long p = median(plainMs);
        long t = median(tlsMs);
        out.printf(Locale.ROOT, "ferry tls-cost: %s random RAM, %d interleaved run(s) per case%n", Sizes.format(ram), runs);
        out.printf(Locale.ROOT, "plain TCP   median %6d ms  %8.0f MiB/s  runs %s%n", p, mibPerSecond(p), Arrays.toString(plainMs));
        out.printf(Locale.ROOT, "TLS 1.3     median %6d ms  %8.0f MiB/s  runs %s%n", t, mibPerSecond(t), Arrays.toString(tlsMs));
        out.printf(Locale.ROOT, "TLS cost: %+.1f%% time%n", 100.0 * (t - p) / p);
        out.flush();
        return 0;
    }

    private double mibPerSecond(long ms) {
        return ram / (double) (1 << 20) / Math.max(1, ms) * 1000;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
