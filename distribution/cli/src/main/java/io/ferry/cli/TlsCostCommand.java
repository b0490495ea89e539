package io.ferry.cli;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryFill;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Migrator;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TestCertificateAuthority;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The cost of TLS: the same paused machine migrated over loopback TCP in plain text and over
 * TLS 1.3 with mutual authentication, in one process, warm, runs interleaved (the order flips every
 * run), medians of wall time and of the process's CPU time compared; the first migration of each
 * case is reported apart, as cold.
 */
@Command(
        name = "tls-cost",
        mixinStandardHelpOptions = true,
        description = {
            "Migration time of a paused machine over loopback TCP, plain vs TLS 1.3 (mutual",
            "authentication), runs interleaved in one process after a warm-up; random RAM content.",
            "Prints the TLS version and cipher suite negotiated, and the process's CPU time per case."
        })
final class TlsCostCommand implements Callable<Integer> {
    private static final String AUTHZ = "CN=bench,O=Ferry";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--ram",
            defaultValue = "1G",
            converter = SizeConverter.class,
            description = "Guest RAM size (default: ${DEFAULT-VALUE}).")
    long ram;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per case (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--warm-up",
            defaultValue = "2",
            description =
                    "Untimed runs per case after the cold one, before the timed runs (default: ${DEFAULT-VALUE}).")
    int warmUps;

    @Option(
            names = "--channels",
            split = ",",
            defaultValue = "1",
            description = "TCP channels per migration to compare, e.g. 1,2 (default: ${DEFAULT-VALUE}).")
    List<Integer> channels;

    /** One case: plain or TLS, over {@code channels} connections. */
    private record Case(boolean tls, int channels) {
        String label() {
            return (tls ? "TLS 1.3" : "plain TCP") + " " + channels + "ch";
        }
    }

    /** What one run took: wall time and the CPU time of the whole process (both ends), in ms. */
    private record Run(long millis, long cpuMillis, long jitMillis) {}

    @Override
    public Integer call() throws Exception {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("ferry-tls-cost");
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry bench CA", 1);
        Path creds = ca.issue(dir.resolve("host"), AUTHZ, 1);
        MigrationParameters plain =
                MigrationParameters.defaults().withRunOnDestination(false).withMaxBandwidth(0);
        MigrationParameters tls = plain.with("tls-creds", creds.toString()).with("tls-authz", AUTHZ);
        Migrator migrator = new Migrator(PluginRegistry.fromServiceLoader(TlsCostCommand.class.getClassLoader()));
        ProcessWarmUp processWarmUp = ProcessWarmUp.start(migrator); // as every ferry command
        ProcessWarmUp tlsWarmUp = ProcessWarmUp.start(migrator, tls.transport()); // as migrate/incoming with TLS
        List<Case> cases = new ArrayList<>();
        for (boolean secure : new boolean[] {false, true}) {
            channels.stream().distinct().forEach(n -> cases.add(new Case(secure, n)));
        }
        GuestMemory source = GuestMemory.of(ram); // allocated and pre-faulted outside the timing
        GuestMemory destination = GuestMemory.of(ram);
        MemoryFill.random(source, 7, 0);
        out.printf(
                Locale.ROOT,
                "ferry tls-cost: %s random RAM, paused, loopback TCP, source and destination in this"
                        + " process; %d cores, load average %.1f%n",
                Sizes.format(ram),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.println(processWarmUp.await());
        out.println("TLS " + tlsWarmUp.await());
        Set<String> negotiated = new TreeSet<>();
        Map<Case, Run> cold = new LinkedHashMap<>();
        Map<Case, List<Run>> timed = new LinkedHashMap<>();
        for (Case c : cases) {
            cold.put(c, migrate(migrator, c.tls() ? tls : plain, c, source, destination, negotiated));
            timed.put(c, new ArrayList<>());
        }
        for (int i = 0; i < warmUps; i++) {
            for (Case c : cases) {
                migrate(migrator, c.tls() ? tls : plain, c, source, destination, negotiated);
            }
        }
        for (int run = 0; run < runs; run++) {
            List<Case> order = new ArrayList<>(cases);
            if (run % 2 == 1) {
                java.util.Collections.reverse(order); // neither case always runs first
            }
            for (Case c : order) {
                timed.get(c).add(migrate(migrator, c.tls() ? tls : plain, c, source, destination, negotiated));
            }
        }
        print(out, negotiated, cases, cold, timed);
        out.flush();
        return 0;
    }

    private void checkOptions() {
        if (runs < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--runs must be at least 1 but was " + runs);
        }
        if (warmUps < 0) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--warm-up must be 0 or more but was " + warmUps);
        }
        for (int n : channels) {
            if (n < 1 || n > MigrationParameters.MAX_CHANNELS) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--channels must each be in [1, " + MigrationParameters.MAX_CHANNELS + "] but was " + n);
            }
        }
    }

    private static Run migrate(
            Migrator migrator,
            MigrationParameters params,
            Case c,
            GuestMemory source,
            GuestMemory destination,
            Set<String> negotiated)
            throws Exception {
        FerryRun.Result r = FerryRun.migrate(
                migrator,
                params.withChannels(c.channels()),
                source,
                destination,
                BenchCase.State.paused,
                recording(negotiated, c));
        return new Run(r.millis(), r.cpuMillis(), r.jitMillis());
    }

    /** An endpoint view that records how each TLS channel it accepts was secured (version and cipher suite). */
    private static UnaryOperator<IncomingEndpoint> recording(Set<String> negotiated, Case c) {
        if (!c.tls()) {
            return UnaryOperator.identity();
        }
        return endpoint -> new IncomingEndpoint() {
            @Override
            public MigrationUri address() {
                return endpoint.address();
            }

            @Override
            public MigrationChannel accept() throws IOException {
                MigrationChannel channel = endpoint.accept();
                synchronized (negotiated) {
                    negotiated.add(
                            channel.describe().replaceAll(" /?\\d.*", "")); // "TLSv1.3 TLS_AES_..." without addresses
                }
                return channel;
            }

            @Override
            public void close() throws IOException {
                endpoint.close();
            }
        };
    }

    private void print(
            PrintWriter out,
            Set<String> negotiated,
            List<Case> cases,
            Map<Case, Run> cold,
            Map<Case, List<Run>> timed) {
        out.println("TLS negotiated: " + String.join("; ", negotiated) + " (mutual authentication, tls-authz " + AUTHZ
                + ")");
        StringBuilder coldLine = new StringBuilder("cold (each case's first migration in this process):");
        cold.forEach((c, r) -> coldLine.append(
                String.format(Locale.ROOT, " %s %d ms (%d ms compiling);", c.label(), r.millis(), r.jitMillis())));
        out.println(coldLine.substring(0, coldLine.length() - 1));
        out.printf(
                Locale.ROOT,
                "warm: %d untimed run(s) per case, then %d timed run(s) per case interleaved, the order"
                        + " flipping every run%n",
                warmUps,
                runs);
        out.printf(
                "%-15s %10s %7s %7s %9s %12s %12s  %s%n",
                "case", "median ms", "min ms", "max ms", "MiB/s", "CPU ms med.", "JIT ms med.", "runs (ms)");
        for (Case c : cases) {
            long[] ms = timed.get(c).stream().mapToLong(Run::millis).toArray();
            long median = BenchCase.median(ms);
            out.printf(
                    Locale.ROOT,
                    "%-15s %10d %7d %7d %9.0f %12d %12d  %s%n",
                    c.label(),
                    median,
                    Arrays.stream(ms).min().orElse(0),
                    Arrays.stream(ms).max().orElse(0),
                    BenchCase.mibPerSecond(ram, median),
                    BenchCase.median(timed.get(c), Run::cpuMillis),
                    BenchCase.median(timed.get(c), Run::jitMillis),
                    Arrays.toString(ms));
        }
        out.println("CPU ms: user + system time of the whole process (source and destination) during the run, median;"
                + " JIT ms (\"compiling\" on the cold line): the JVM's total compilation time gained during the run"
                + " (elapsed time of the compiles that ended then, not CPU time), on code the warm-up left to it.");
        for (Case c : cases) {
            if (c.tls()) {
                Case p = new Case(false, c.channels());
                long t = BenchCase.median(timed.get(c), Run::millis);
                long base = BenchCase.median(timed.get(p), Run::millis);
                long cpu = BenchCase.median(timed.get(c), Run::cpuMillis);
                long cpuBase = BenchCase.median(timed.get(p), Run::cpuMillis);
                out.printf(
                        Locale.ROOT,
                        "TLS cost, %d channel(s): %+.1f%% time, %+.1f%% CPU (medians of this run)%n",
                        c.channels(),
                        100.0 * (t - base) / Math.max(1, base),
                        100.0 * (cpu - cpuBase) / Math.max(1, cpuBase));
            }
        }
    }
}
