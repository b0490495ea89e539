package io.ferry.cli;

import io.ferry.pipeline.Compression;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@code ferry bench} loop measured, case by case: Ferry's runs, and QEMU's and bare
 * TCP's times in the same loop; and how they are printed and drawn. Every ratio it prints is of
 * figures measured in this run; the quoted QEMU figures carry the day they were measured.
 */
final class BenchResults {
    /**
     * A RAM size moved over bare TCP on some connections, as it is or {@code checked} (checksummed
     * and applied, {@link LoopbackWire#moveChecked}): the key of its times.
     */
    private record BareTcp(long size, int connections, boolean checked) {}

    /** Bare TCP's time and the process's CPU time, run by run. */
    private record BareTcpRuns(long[] millis, long[] cpuMillis) {}

    private final int runs;
    private final List<BenchCase> cases = new ArrayList<>();
    private final Map<BenchCase, FerryRun.Result[]> ferry = new LinkedHashMap<>();
    private final Map<BenchCase, long[]> qemu = new LinkedHashMap<>();
    private final Map<BareTcp, BareTcpRuns> bareTcp = new LinkedHashMap<>();
    private final Map<Long, LeastWork.Costs[]> leastWork = new LinkedHashMap<>();

    /** @param runs the timed runs of every case */
    BenchResults(int runs) {
        this.runs = runs;
    }

    /** Adds a case to measure, on QEMU too if {@code onQemu}. */
    void add(BenchCase c, boolean onQemu) {
        cases.add(c);
        ferry.put(c, new FerryRun.Result[runs]);
        if (onQemu) {
            qemu.put(c, new long[runs]);
        }
    }

    /** Adds a RAM size to move over bare TCP on {@code connections} connections, and to measure the least work of. */
    void addBareTcp(long size, int connections) {
        for (boolean checked : new boolean[] {false, true}) {
            bareTcp.put(new BareTcp(size, connections, checked), new BareTcpRuns(new long[runs], new long[runs]));
        }
        leastWork.putIfAbsent(size, new LeastWork.Costs[runs]);
    }

    void ferry(BenchCase c, int run, FerryRun.Result result) {
        ferry.get(c)[run] = result;
    }

    /** Whether the case runs on QEMU too. */
    boolean onQemu(BenchCase c) {
        return qemu.containsKey(c);
    }

    /** Leaves QEMU out of every case of {@code size}: it failed in one of their runs. */
    void dropQemu(long size) {
        qemu.keySet().removeIf(c -> c.size() == size);
    }

    void qemu(BenchCase c, int run, long millis) {
        qemu.get(c)[run] = millis;
    }

    /** A trip's figures: {@code checked}, of {@link LoopbackWire#moveChecked}. */
    void bareTcp(long size, int connections, boolean checked, int run, LoopbackWire.Trip trip) {
        BareTcpRuns r = bareTcp.get(new BareTcp(size, connections, checked));
        r.millis()[run] = trip.millis();
        r.cpuMillis()[run] = trip.cpuMillis();
    }

    void leastWork(long size, int run, LeastWork.Costs costs) {
        leastWork.get(size)[run] = costs;
    }

    private long[] ferryMillis(BenchCase c) {
        return Arrays.stream(ferry.get(c)).mapToLong(FerryRun.Result::millis).toArray();
    }

    private long ferryMedian(BenchCase c) {
        return BenchCase.median(ferryMillis(c));
    }

    /**
     * The table of every case, then the ratios between cases measured in this run, then (with
     * {@code quoteReference}: no bandwidth limit) the quoted QEMU figures with their day.
     */
    void printTable(PrintWriter out, boolean quoteReference) {
        String label = "%-"
                + Math.max(
                        22,
                        cases.stream().mapToInt(c -> c.label().length()).max().orElse(0)) + "s";
        out.printf(
                label + " %10s %8s %8s %9s %14s %10s %12s %8s %8s%n",
                "case",
                "median ms",
                "min ms",
                "max ms",
                "MiB/s",
                "wire bytes",
                "QEMU ms",
                "QEMU/Ferry",
                "CPU ms",
                "JIT ms");
        for (BenchCase c : cases) {
            long[] t = ferryMillis(c);
            long median = BenchCase.median(t);
            long[] q = qemu.get(c);
            String qemuMedian = q == null ? "-" : Long.toString(BenchCase.median(q));
            String ratio = q == null
                    ? "-"
                    : String.format(Locale.ROOT, "%.2fx", BenchCase.median(q) / (double) Math.max(1, median));
            List<FerryRun.Result> results = Arrays.asList(ferry.get(c));
            out.printf(
                    Locale.ROOT,
                    label + " %10d %8d %8d %9.0f %14d %10s %12s %8d %8d%n",
                    c.label(),
                    median,
                    Arrays.stream(t).min().orElse(0),
                    Arrays.stream(t).max().orElse(0),
                    BenchCase.mibPerSecond(c.size(), median),
                    BenchCase.median(results, r -> r.figures().transferredBytes()),
                    qemuMedian,
                    ratio,
                    BenchCase.median(results, FerryRun.Result::cpuMillis),
                    BenchCase.median(results, FerryRun.Result::jitMillis));
        }
        out.println(
                "QEMU/Ferry: QEMU's median total-time over Ferry's, both measured in this run (above 1: Ferry is faster).");
        out.printf(
                Locale.ROOT,
                "CPU ms: median CPU time of this process (source and destination, every thread) while a"
                        + " case ran; %d cores give at most %d x its wall time%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().availableProcessors());
        out.println("JIT ms: median of the JVM's total compilation time gained while a case ran (the elapsed time of"
                + " the compiles that ended then, not CPU time: a sign the process was still warming up)");
        printPausedOverRunning(out);
        printCompressedOverPlain(out);
        printChannelsOverOne(out);
        if (quoteReference) {
            printReference(out);
        }
        out.flush();
    }

    /** Whether the case puts every page on the wire as it is (random pages, no compression), as bare TCP does. */
    private static boolean sendsEveryPageWhole(BenchCase c) {
        return c.content() == BenchCase.Content.random && c.compression() == Compression.none;
    }

    /**
     * Bare TCP's times, and each case that sends every page whole (random pages, uncompressed)
     * against them: what a migration takes beyond the bytes' trip, measured in the same loop.
     */
    void printBareTcp(PrintWriter out) {
        if (bareTcp.isEmpty()) {
            return;
        }
        out.printf(
                Locale.ROOT,
                "bare TCP: the same RAM over loopback in this process, %d KiB writes from guest RAM, no framing,"
                        + " checksum or apply, only the bytes' trip timed, in the same loop (CPU: this process's,"
                        + " both ends); \"checked\": the same with a CRC32C per write, checked by the reader before"
                        + " it copies the bytes into guest RAM, the least a verify-then-apply stream does:%n",
                LoopbackWire.IO_SIZE >> 10);
        long lastSize = -1;
        for (Map.Entry<BareTcp, BareTcpRuns> e : bareTcp.entrySet()) {
            BareTcp p = e.getKey();
            if (p.size() != lastSize) {
                printLeastWork(out, p.size(), leastWork.get(p.size()));
                lastSize = p.size();
            }
            long median = BenchCase.median(e.getValue().millis());
            long cpu = BenchCase.median(e.getValue().cpuMillis());
            out.printf(
                    Locale.ROOT,
                    "  %s on %d connection%s%s: %s, %.0f MiB/s, CPU %d ms%n",
                    BenchCase.sizeLabel(p.size()),
                    p.connections(),
                    p.connections() == 1 ? "" : "s",
                    p.checked() ? ", checked" : "",
                    BenchCase.spread(e.getValue().millis()),
                    BenchCase.mibPerSecond(p.size(), median),
                    cpu);
            for (BenchCase c : cases) {
                if (c.size() == p.size() && c.channels() == p.connections() && sendsEveryPageWhole(c)) {
                    double ratio = Math.max(1, ferryMedian(c)) / (double) Math.max(1, median);
                    out.printf(
                            Locale.ROOT,
                            "    %s: %.2fx %s time (Ferry at %.0f%% of its speed)%n",
                            c.label(),
                            ratio,
                            p.checked() ? "checked TCP's" : "bare TCP's",
                            100 / ratio);
                }
            }
        }
    }

    /**
     * The CPU a checksummed stream of the RAM needs beyond the bytes' trip, at the least: set
     * beside a case's CPU and bare TCP's, it shows how much of Ferry's CPU is its own overhead.
     */
    private static void printLeastWork(PrintWriter out, long size, LeastWork.Costs[] costs) {
        long checksum = BenchCase.median(Arrays.asList(costs), LeastWork.Costs::checksumMillis);
        long copy = BenchCase.median(Arrays.asList(costs), LeastWork.Costs::copyMillis);
        out.printf(
                Locale.ROOT,
                "  %s, least work beyond the wire: a CRC32C pass at each end 2 x %d ms + one copy into guest RAM"
                        + " %d ms = %d ms of CPU (verify, then apply; medians, one thread, in the same loop)%n",
                BenchCase.sizeLabel(size),
                checksum,
                copy,
                new LeastWork.Costs(checksum, copy).beyondWire());
    }

    /** The stopped path against the running one, per size and content: the figure issue 8 asked about. */
    private void printPausedOverRunning(PrintWriter out) {
        for (BenchCase c : cases) {
            BenchCase running =
                    new BenchCase(c.size(), c.content(), BenchCase.State.running, c.compression(), c.channels());
            if (c.state() == BenchCase.State.paused && ferry.containsKey(running)) {
                out.printf(
                        Locale.ROOT,
                        "paused / running-idle, %s: %.2f (medians of the same interleaved runs)%n",
                        c.label().replace(" paused", ""),
                        ferryMedian(c) / (double) Math.max(1, ferryMedian(running)));
            }
        }
    }

    /** Each compression against none on the same case: the time it saves (or costs). */
    private void printCompressedOverPlain(PrintWriter out) {
        for (BenchCase c : cases) {
            BenchCase plain = new BenchCase(c.size(), c.content(), c.state(), Compression.none, c.channels());
            if (c.compression() != Compression.none && ferry.containsKey(plain)) {
                printRatio(out, c, "none", ferryMedian(c) / (double) Math.max(1, ferryMedian(plain)));
            }
        }
    }

    /** Each channel count against one channel on the same case. */
    private void printChannelsOverOne(PrintWriter out) {
        for (BenchCase c : cases) {
            BenchCase one = new BenchCase(c.size(), c.content(), c.state(), c.compression(), 1);
            if (c.channels() != 1 && ferry.containsKey(one)) {
                printRatio(out, c, "1 channel", ferryMedian(c) / (double) Math.max(1, ferryMedian(one)));
            }
        }
    }

    private static void printRatio(PrintWriter out, BenchCase c, String against, double ratio) {
        out.printf(
                Locale.ROOT,
                "%s / %s: %.2f of the total time (%+.0f%%)%n",
                c.label(),
                against,
                ratio,
                (ratio - 1) * 100);
    }

    /** Quoted QEMU figures, with the day they were measured: never printed as a ratio of this run. */
    private void printReference(PrintWriter out) {
        for (BenchCase c : cases) {
            Long quoted = QemuReference.millis(c.size(), c.content().name());
            if (quoted != null
                    && c.state() == BenchCase.State.paused
                    && c.compression() == Compression.none
                    && c.channels() == 1) {
                out.printf(
                        "reference, not this run: QEMU 7.2 took %d ms for %s %s paused, measured on %s (%s)%n",
                        quoted,
                        BenchCase.sizeLabel(c.size()),
                        c.content(),
                        QemuReference.MEASURED_ON,
                        QemuReference.SOURCE);
            }
        }
    }

    /** Writes the chart of throughput per case to {@code chart}: Ferry, and QEMU and bare TCP where they ran. */
    void writeThroughputChart(Path chart, PrintWriter out) throws IOException {
        List<String> labels = cases.stream().map(BenchCase::label).toList();
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put(
                "Ferry",
                cases.stream()
                        .mapToDouble(c -> BenchCase.mibPerSecond(c.size(), ferryMedian(c)))
                        .toArray());
        if (!qemu.isEmpty()) {
            series.put(
                    "QEMU (same run)",
                    cases.stream()
                            .mapToDouble(c -> qemu.containsKey(c) // QEMU runs the one-channel, uncompressed cases only
                                    ? BenchCase.mibPerSecond(c.size(), BenchCase.median(qemu.get(c)))
                                    : Double.NaN)
                            .toArray());
        }
        if (!bareTcp.isEmpty()) {
            series.put("bare TCP (same run)", wireSeries(false));
            series.put("checked TCP (same run)", wireSeries(true));
        }
        BenchCharts.throughput(chart, "Migration throughput over loopback TCP, median of " + runs, labels, series);
        out.println("chart: " + chart.toAbsolutePath());
    }

    /** Bare or checked TCP's throughput beside each case that sends every page whole, NaN beside the others. */
    private double[] wireSeries(boolean checked) {
        return cases.stream()
                .mapToDouble(c -> {
                    BareTcpRuns t = bareTcp.get(new BareTcp(c.size(), c.channels(), checked));
                    return t != null && sendsEveryPageWhole(c)
                            ? BenchCase.mibPerSecond(c.size(), BenchCase.median(t.millis()))
                            : Double.NaN;
                })
                .toArray();
    }
}
