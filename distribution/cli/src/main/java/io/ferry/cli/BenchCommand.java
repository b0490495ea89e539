package io.ferry.cli;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.PageDirtier;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.PassProgress;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Migrates paused and running-idle machines over loopback TCP, source and destination in this
 * process, and prints the median total time per case, runs interleaved across cases. When
 * {@code qemu-system-x86_64} is on the PATH the same workloads run on QEMU in the same loop, so
 * the ratio is measured. Reports the first migration of the process (cold) apart from the warm
 * figures, the Java heap per RAM size, and writes PNG charts.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Throughput of a machine's migration over loopback TCP, paused and running idle, beside QEMU.",
            "Cases are RAM sizes x contents (random, zero, half = half zero pages, ...) x states; runs are interleaved."
        })
final class BenchCommand implements Callable<Integer> {
    /** The largest RAM of the cold run and its warm-up runs. */
    static final long COLD_SIZE_LIMIT = 1L << 30;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "1G",
            converter = SizeConverter.class,
            description = "Guest RAM sizes (default: ${DEFAULT-VALUE}).")
    List<Long> sizes;

    @Option(
            names = "--contents",
            split = ",",
            defaultValue = "random,zero,half",
            converter = ContentConverter.class,
            description = "RAM contents: random, zero (zero-filled: known zero at both ends, sent unread), half (half"
                    + " the pages zero-filled), written-zero (zeros written as ordinary bytes: the sender checks"
                    + " every page), compressible (every page half random, half zero) (default: ${DEFAULT-VALUE}).")
    List<BenchCase.Content> contents;

    @Option(
            names = "--states",
            split = ",",
            defaultValue = "paused,running",
            description = "Source states: paused, running (idle: no vCPU workload) (default: ${DEFAULT-VALUE}).")
    List<BenchCase.State> states;

    @Option(
            names = "--compression",
            split = ",",
            defaultValue = "none",
            description = "RAM page compressions to compare: none, lz4, zstd (default: ${DEFAULT-VALUE}).")
    List<Compression> compressions;

    @Option(
            names = "--channels",
            split = ",",
            defaultValue = "1",
            description = "TCP channels per migration to compare, e.g. 1,2 (Ferry only; QEMU runs its single channel)"
                    + " (default: ${DEFAULT-VALUE}).")
    List<Integer> channels;

    @Option(
            names = "--max-bandwidth",
            defaultValue = "0",
            converter = SizeConverter.class,
            description =
                    "Bytes per second the stream may use, for Ferry and QEMU alike; 0 = unlimited (default: ${DEFAULT-VALUE}).")
    long maxBandwidth;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per case (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--warm-up",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Run three more migrations of the cold one's case, so the JIT has compiled the data path (default: on).")
    boolean warmUp;

    @Option(
            names = "--cold-processes",
            defaultValue = "0",
            description = "Fresh processes to start one after another, each migrating the cold case as its first"
                    + " migration (after its own process warm-up), alternated with as many warm runs of it here"
                    + " (after the warm-up runs, even with --no-warm-up); prints both medians. Each holds about"
                    + " twice the cold case's RAM, and 128 MiB for its warm-up, beside this one's"
                    + " (default: ${DEFAULT-VALUE}).")
    int coldProcesses;

    @Option(
            names = "--cold-sample",
            hidden = true,
            paramLabel = "BENCH_PID",
            description = "Be one of --cold-processes' fresh processes, for the bench of that pid: one cold"
                    + " migration, then its figures.")
    Long coldSampleFor; // the pid of the bench that started this process; null: not a sample process

    @Option(
            names = "--qemu",
            defaultValue = "auto",
            paramLabel = "auto|off|PATH",
            description = "auto: run QEMU side by side when qemu-system-x86_64 is on the PATH; off: never; PATH: the"
                    + " QEMU binary to run (one not on the PATH, such as /usr/libexec/qemu-kvm) (default:"
                    + " ${DEFAULT-VALUE}).")
    String qemu;

    @Option(
            names = "--bare-tcp",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Move each RAM size over bare loopback TCP too, in the same loop, on as many connections"
                    + " as --channels: the wire random-page cases are compared with, with its CPU, the same trip"
                    + " checked (a CRC32C per write, checked before the bytes are copied into guest RAM), and the"
                    + " least work a checksummed stream adds, on one thread; not with"
                    + " --max-bandwidth or without random contents (default: on).")
    boolean bareTcp;

    @Option(
            names = "--chart",
            defaultValue = "ferry-bench.png",
            description = "Throughput chart (PNG) (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Option(
            names = "--live-chart",
            defaultValue = "ferry-bench-passes.png",
            description = "Per-pass chart of a live migration (PNG) (default: ${DEFAULT-VALUE}).")
    Path liveChart;

    @Option(
            names = "--live-dirty-rate",
            defaultValue = "50000",
            description =
                    "Pages per second the live run's vCPU dirties, uniformly; 0 skips the live run (default: ${DEFAULT-VALUE}).")
    long liveDirtyRate;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--runs must be at least 1 but was " + runs);
        }
        for (int n : channels) {
            if (n < 1 || n > MigrationParameters.MAX_CHANNELS) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--channels must each be in [1, " + MigrationParameters.MAX_CHANNELS + "] but was " + n);
            }
        }
        if (coldProcesses < 0) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--cold-processes must be 0 or more but was " + coldProcesses);
        }
        PrintWriter out = spec.commandLine().getOut();
        PluginRegistry registry = PluginRegistry.fromServiceLoader(BenchCommand.class.getClassLoader());
        Migrator migrator = new Migrator(registry);
        ProcessWarmUp processWarmUp = ProcessWarmUp.start(migrator); // as every ferry command: runs while RAM is filled
        MigrationParameters params =
                MigrationParameters.defaults().withRunOnDestination(false).withMaxBandwidth(maxBandwidth);
        if (coldSampleFor != null) {
            return coldSample(out, migrator, params, processWarmUp);
        }
        Optional<QemuPair> qemuPair = qemuPair();
        out.printf(
                Locale.ROOT,
                "ferry bench: loopback TCP%s, %d run(s) per case, interleaved; plugins %s; %d cores,"
                        + " load average %.1f%n",
                maxBandwidth > 0 ? " at most " + Sizes.format(maxBandwidth) + "/s" : "",
                runs,
                registry.snapshot().stream().map(p -> p.name()).toList(),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.println(
                qemuPair.isPresent()
                        ? "QEMU: side by side in this run (" + qemuPair.get().describe()
                                + ", started with -S; cont for running cases)"
                        : "QEMU: not on the PATH (qemu-system-x86_64), or --qemu off: no side-by-side figures in this"
                                + " run");
        try {
            coldAndWarmUp(out, migrator, params, processWarmUp);
            BenchResults results = new BenchResults(runs);
            for (long size : sizes) {
                runSize(out, migrator, params, size, qemuPair, results);
            }
            qemuPair.ifPresent(q -> out.println("QEMU's version: " + q.describe()));
            results.printTable(out, maxBandwidth == 0);
            results.printBareTcp(out);
            results.writeThroughputChart(chart, out);
            if (liveDirtyRate > 0) {
                liveRun(out, migrator, params);
            }
        } finally {
            if (qemuPair.isPresent()) {
                qemuPair.get().close();
            }
        }
        out.flush();
        return 0;
    }

    /**
     * The first migration of the process (cold; after the process warm-up of {@link Migrator#warmUp()}
     * unless -Dferry.warm-up=false), then the warm-up runs, each with what the process spent during
     * it (JIT, class loading, first touches of memory): where a first migration pays. Of the first
     * size asked for, up to {@link #COLD_SIZE_LIMIT}: what a first migration pays shows at 1 GiB
     * (code compiled on the fly inside a long pass) and not at 256 MiB.
     */
    private void coldAndWarmUp(
            PrintWriter out, Migrator migrator, MigrationParameters params, ProcessWarmUp processWarmUp)
            throws Exception {
        long size = coldSize();
        ColdCase cold = ColdCase.of(size);
        out.println(processWarmUp.await());
        int count = 1 + (warmUp || coldProcesses > 0 ? 3 : 0); // the warm runs below must be warm
        for (int i = 0; i < count; i++) {
            ProcessCounters before = ProcessCounters.now();
            FerryRun.Result r = cold.migrate(migrator, params);
            out.printf(
                    Locale.ROOT,
                    "%s: %s random, paused, RAM pre-faulted, no bandwidth limit: %d ms (setup %d ms; CPU %d ms;"
                            + " %s)%n",
                    i == 0 ? "cold (the process's first migration)" : "warm-up " + i,
                    Sizes.format(size),
                    r.millis(),
                    r.figures().setupMillis(),
                    r.cpuMillis(),
                    ProcessCounters.now().since(before).describe());
        }
        if (coldProcesses > 0) {
            alternateWithFreshProcesses(out, migrator, params, cold);
        } else {
            out.println("  (one process's first migration is one sample: --cold-processes N compares the medians of N"
                    + " fresh processes' first migrations and of warm ones)");
        }
    }

    /**
     * The cold case: random pages on a paused source, migrated with no bandwidth limit; both RAMs
     * allocated and pre-faulted outside the timing, and kept for its every run.
     */
    private record ColdCase(GuestMemory source, GuestMemory destination) {
        static ColdCase of(long size) {
            ColdCase c = new ColdCase(GuestMemory.of(size), GuestMemory.of(size));
            MemoryFill.random(c.source, 1, 0);
            return c;
        }

        long size() {
            return source.size();
        }

        FerryRun.Result migrate(Migrator migrator, MigrationParameters params) throws Exception {
            return FerryRun.migrate(migrator, params.withMaxBandwidth(0), source, destination, BenchCase.State.paused);
        }
    }

    /** The cold case's RAM: the first size asked for, up to {@link #COLD_SIZE_LIMIT}. */
    private long coldSize() {
        return Math.min(COLD_SIZE_LIMIT, sizes.get(0));
    }

    /**
     * The first migration of {@link #coldProcesses} fresh processes ({@link ColdProcesses}), each
     * followed by a warm migration of the same case here, and both medians: one process's first
     * migration is a single sample, as noisy as any other on a shared machine.
     */
    private void alternateWithFreshProcesses(
            PrintWriter out, Migrator migrator, MigrationParameters params, ColdCase cold) throws Exception {
        out.printf(
                Locale.ROOT,
                "first migrations of %d fresh processes, alternated with warm ones here: %s random, paused%n",
                coldProcesses,
                Sizes.format(cold.size()));
        long[] fresh = new long[coldProcesses];
        long[] freshCpu = new long[coldProcesses];
        long[] warm = new long[coldProcesses];
        long[] warmCpu = new long[coldProcesses];
        for (int i = 0; i < coldProcesses; i++) {
            ColdProcesses.Sample sample = ColdProcesses.measure(cold.size());
            fresh[i] = sample.millis();
            freshCpu[i] = sample.cpuMillis();
            FerryRun.Result r = cold.migrate(migrator, params);
            warm[i] = r.millis();
            warmCpu[i] = r.cpuMillis();
            out.printf(
                    Locale.ROOT,
                    "  %d: fresh process %d ms (CPU %d ms, JIT %d ms; its process warm-up: %s), warm here %d ms"
                            + " (CPU %d ms, JIT %d ms)%n",
                    i + 1,
                    sample.millis(),
                    sample.cpuMillis(),
                    sample.jitMillis(),
                    sample.warmUp().replace("ms", " ms"),
                    r.millis(),
                    r.cpuMillis(),
                    r.jitMillis());
            out.flush();
        }
        printMedian(out, "fresh processes' first", fresh, freshCpu);
        printMedian(out, "warm, this process", warm, warmCpu);
        out.printf(
                Locale.ROOT,
                "  first migration / warm: %.2f (medians)%n",
                BenchCase.median(fresh) / (double) Math.max(1, BenchCase.median(warm)));
    }

    private static void printMedian(PrintWriter out, String what, long[] millis, long[] cpuMillis) {
        out.printf(Locale.ROOT, "  %s: %s, CPU %d ms%n", what, BenchCase.spread(millis), BenchCase.median(cpuMillis));
    }

    /** {@code --cold-sample}: this process's first migration, paused, random, then its figures in one line. */
    private int coldSample(PrintWriter out, Migrator migrator, MigrationParameters params, ProcessWarmUp warmUp)
            throws Exception {
        // Not past the bench that started it, however that ends (a kill -9 runs no shutdown hook
        // there). Its pid comes on the command line: once it is gone this process has another parent.
        Optional<ProcessHandle> bench = ProcessHandle.of(coldSampleFor);
        if (bench.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("ferry bench --cold-sample: no process " + coldSampleFor
                            + ": the bench that started this one is gone");
            spec.commandLine().getErr().flush();
            Runtime.getRuntime().halt(1);
        }
        bench.get().onExit().thenRun(() -> Runtime.getRuntime().halt(1));
        ColdCase cold = ColdCase.of(coldSize());
        ProcessWarmUp.Outcome warmedUp = warmUp.outcome();
        out.println(warmedUp.line());
        out.println(ColdProcesses.sampleLine(cold.migrate(migrator, params), warmedUp));
        out.flush();
        return 0;
    }

    private void runSize(
            PrintWriter out,
            Migrator migrator,
            MigrationParameters params,
            long size,
            Optional<QemuPair> qemuPair,
            BenchResults results)
            throws Exception {
        GuestMemory source = GuestMemory.of(size);
        GuestMemory destination = GuestMemory.of(size);
        HeapPeak.reset();
        boolean onQemu = qemuPair.isPresent() && size % (1 << 20) == 0;
        if (qemuPair.isPresent() && !onQemu) {
            out.println("QEMU: left out for " + Sizes.format(size) + ", its RAM is a whole number of MiB");
        }
        for (BenchCase.Content content : contents) {
            for (BenchCase.State state : states) {
                for (Compression compression : compressions) {
                    for (int n : channels) {
                        // QEMU runs the uncompressed one-channel cases
                        results.add(
                                new BenchCase(size, content, state, compression, n),
                                onQemu && compression == Compression.none && n == 1);
                    }
                }
            }
        }
        if (measuresBareTcp()) {
            for (int n : channels) {
                results.addBareTcp(size, n);
            }
        }
        for (int run = 0; run < runs; run++) {
            for (BenchCase.Content content : contents) {
                fill(source, content);
                if (content == BenchCase.Content.random && measuresBareTcp()) {
                    measureWire(size, run, source, destination, results);
                }
                if (onQemu) {
                    onQemu = qemuStep(out, size, run, results, () -> {
                                qemuPair.get().loadContent(source);
                                return 0L;
                            })
                            .isPresent();
                }
                for (BenchCase.State state : states) {
                    for (Compression compression : compressions) {
                        for (int n : channels) {
                            BenchCase c = new BenchCase(size, content, state, compression, n);
                            FerryRun.Result r = FerryRun.migrate(
                                    migrator,
                                    params.withCompression(compression).withChannels(n),
                                    source,
                                    destination,
                                    state);
                            results.ferry(c, run, r);
                            if (onQemu && results.onQemu(c)) {
                                Optional<Long> millis = qemuStep(
                                        out,
                                        size,
                                        run,
                                        results,
                                        () -> qemuPair.get()
                                                .migrate(size, state == BenchCase.State.running, maxBandwidth));
                                if (millis.isPresent()) {
                                    results.qemu(c, run, millis.get());
                                }
                                onQemu = millis.isPresent();
                            }
                        }
                    }
                }
            }
        }
        out.printf(
                Locale.ROOT,
                "heap with %s guest RAM: peak %.1f MiB (sum of pool peaks), %.1f MiB live after GC%n",
                Sizes.format(size),
                HeapPeak.bytes() / 1048576.0,
                HeapPeak.retainedBytes() / 1048576.0);
    }

    /** QEMU as {@code --qemu} asks: found on the PATH, none, or the binary named. */
    private Optional<QemuPair> qemuPair() throws IOException {
        switch (qemu) {
            case "off":
                return Optional.empty();
            case "auto":
                return QemuPair.find();
            default:
                Path binary = Path.of(qemu);
                if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
                    throw new picocli.CommandLine.ParameterException(
                            spec.commandLine(),
                            "--qemu must be auto, off or an executable QEMU binary, but " + qemu
                                    + (Files.exists(binary) ? " is not an executable file" : " does not exist"));
                }
                return Optional.of(QemuPair.at(binary));
        }
    }

    /** One step of QEMU's side of a run. */
    private interface QemuStep {
        long run() throws IOException, InterruptedException;
    }

    /**
     * Runs {@code step}; if QEMU fails, says so and leaves QEMU out of this size's figures (a
     * median of fewer runs than Ferry's would not be a side-by-side figure), and the bench goes on.
     */
    private static Optional<Long> qemuStep(PrintWriter out, long size, int run, BenchResults results, QemuStep step)
            throws InterruptedException {
        try {
            return Optional.of(step.run());
        } catch (IOException | RuntimeException e) {
            results.dropQemu(size);
            out.printf(
                    Locale.ROOT,
                    "QEMU's side failed in run %d of %s, so QEMU is left out of that size's figures: %s%n",
                    run + 1,
                    Sizes.format(size),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * One run of the wire's figures, over the random pages the source holds now (the content its
     * random cases move): bare and checked TCP on each channel count, and the least work. Before
     * each checked trip every piece of the destination is made to differ from the source's, so the
     * comparison after it fails if a piece was not applied.
     */
    private void measureWire(long size, int run, GuestMemory source, GuestMemory destination, BenchResults results)
            throws IOException, InterruptedException {
        for (int n : channels) {
            results.bareTcp(size, n, false, run, wholeTrip("bare TCP", source, LoopbackWire.move(source, n)));
            LoopbackWire.spoil(source, destination);
            LoopbackWire.Trip checked =
                    wholeTrip("checked TCP", source, LoopbackWire.moveChecked(source, destination, n));
            if (!destination.contentEquals(source)) {
                throw new IllegalStateException("checked TCP left the destination's RAM unlike the source's");
            }
            results.bareTcp(size, n, true, run, checked);
        }
        results.leastWork(size, run, LeastWork.measure(source, destination));
    }

    /** {@code trip}, refused if it did not take every byte of {@code source}: then it is no figure to compare with. */
    private static LoopbackWire.Trip wholeTrip(String name, GuestMemory source, LoopbackWire.Trip trip) {
        if (trip.bytes() != source.size()) {
            throw new IllegalStateException(
                    name + " took " + trip.bytes() + " of " + source.size() + " bytes: no figure to compare with");
        }
        return trip;
    }

    /**
     * Whether bare TCP runs beside Ferry: asked for, with a case to compare (random contents) and
     * no bandwidth limit (a limited stream is not compared with an unlimited wire).
     */
    private boolean measuresBareTcp() {
        return bareTcp && maxBandwidth == 0 && contents.contains(BenchCase.Content.random);
    }

    /** A live migration of a running machine with a vCPU dirtying pages, drawn pass by pass. */
    private void liveRun(PrintWriter out, Migrator migrator, MigrationParameters params) throws Exception {
        long size = Math.min(sizes.get(0), 1L << 30);
        List<BenchCharts.Pass> passes = new ArrayList<>();
        MigrationListener listener = new MigrationListener() {
            @Override
            public void passCompleted(Migration migration, PassProgress p) {
                long sent = p.sectionBytes().values().stream()
                        .mapToLong(Long::longValue)
                        .sum();
                MigrationFigures f = p.figures();
                passes.add(new BenchCharts.Pass(
                        p.pass(),
                        sent / 1048576.0,
                        f.dirtyPagesRate() * GuestMemory.PAGE_SIZE / 1048576.0,
                        f.expectedDowntimeMillis()));
            }
        };
        try (Machine source = Machine.create("live-source", GuestMemory.of(size));
                Machine destination = Machine.incoming("live-destination", GuestMemory.of(size));
                IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0))) {
            MemoryFill.random(source.memory(), 3, 0.3);
            source.start();
            source.startVcpu("vcpu0", liveDirtyRate, new PageDirtier(source, new DirtyPattern.Uniform(), 3));
            Migration in = migrator.incoming(destination, endpoint, params);
            Migration outgoing = migrator.migrate(source, endpoint.address(), params, listener);
            MigrationFigures f = FerryRun.awaitEnd(outgoing, Duration.ofMinutes(10));
            FerryRun.awaitEnd(in, Duration.ofMinutes(1));
            if (f.status() != MigrationStatus.COMPLETED || !source.memory().contentEquals(destination.memory())) {
                throw new MigrationNotIntactException("live bench migration did not arrive intact: " + f.status()
                        + outgoing.failure().map(t -> " " + t.getMessage()).orElse(""));
            }
            out.printf(
                    Locale.ROOT,
                    "live run: %s, vCPU dirtying %d pages/s uniformly: %d passes, total %d ms, downtime %d ms"
                            + " (expected %d ms)%n",
                    Sizes.format(size),
                    liveDirtyRate,
                    f.iterations(),
                    f.totalMillis(),
                    f.downtimeMillis(),
                    f.expectedDowntimeMillis());
            BenchCharts.passes(
                    liveChart,
                    "Live migration of " + Sizes.format(size) + ", " + liveDirtyRate + " pages/s dirtied",
                    passes,
                    f.downtimeMillis());
            out.println("chart: " + liveChart.toAbsolutePath());
        }
    }

    /**
     * Zeros written as a guest writes bytes, not through the zero fill: the memory then does not
     * know the pages are zero, so the sender reads and checks every one.
     */
    private static void writeZeros(GuestMemory memory) {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long at = 0; at < memory.size(); at += zeros.capacity()) {
            memory.untracked().write(at, zeros.clear().limit((int) Math.min(zeros.capacity(), memory.size() - at)));
        }
    }

    /** Parses a {@code --contents} value as users write it ("written-zero"). */
    static final class ContentConverter implements CommandLine.ITypeConverter<BenchCase.Content> {
        @Override
        public BenchCase.Content convert(String value) {
            try {
                return BenchCase.Content.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static void fill(GuestMemory memory, BenchCase.Content content) {
        switch (content) {
            case random -> MemoryFill.random(memory, 7, 0);
            case zero -> MemoryFill.zero(memory);
            case half -> MemoryFill.halfZero(memory, 7);
            case writtenZero -> writeZeros(memory);
            case compressible -> MemoryFill.halfCompressible(memory, 7);
            default -> throw new AssertionError(content);
        }
    }
}
