package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.Compression;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs the ferry command in-process as a user would, with small machines. */
class FerryCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Ferry.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void demoMigratesLiveAndVerifies() {
        int code = run("demo", "--ram", "64M", "--dirty-rate", "20000", "--devices=");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("destination listening on tcp:127.0.0.1:")
                .contains("stage order: DIRTY_SYNC [ram.sync], COMPLETE [ram.final]")
                .containsPattern("pass 1 +iterate")
                .contains("status:             COMPLETED")
                .contains("verify: guest RAM EQUAL (64.0 MiB")
                .contains("VERIFIED: destination state equals the source's at switchover");
    }

    @Test
    void demoWithEveryDeviceVerifiesRamAndEachDevice() {
        int code = run("demo", "--ram", "64M", "--dirty-rate", "20000", "--devices", "its,vhost-net,htab");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("COMPLETE [its.flush, its.registers, vhost-net.stop, ram.final, htab.final]")
                .contains("DIRTY_SYNC [ram.sync]") // vhost-net's log is registered, merged by the engine
                .contains("verify: device its0 EQUAL")
                .contains("verify: device vhost-net0 EQUAL")
                .contains("verify: device htab0 EQUAL")
                .contains("VERIFIED");
    }

    @Test
    void demoAttachesTheItsByDefault() {
        int code = run("demo", "--ram", "32M", "--dirty-rate", "5000");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("devices [its]").contains("verify: device its0 EQUAL");
    }

    @Test
    void demoWithABandwidthLimitAndACapStillVerifies() {
        int code = run(
                "demo",
                "--ram",
                "32M",
                "--dirty-rate",
                "50000",
                "--pattern",
                "uniform",
                "--max-bandwidth",
                "16M",
                "--downtime-limit",
                "10",
                "--iteration-cap",
                "2",
                "--devices=");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("iterations:         2").contains("VERIFIED");
    }

    @Test
    void demoPrintsTheSwitchoverBreakdownFromTheStopToTheDestinationRunning() {
        int code = run(
                "demo",
                "--ram",
                "32M",
                "--dirty-rate",
                "20000",
                "--pattern",
                "uniform",
                "--downtime-limit",
                "300",
                "--downtime-guard",
                "--devices=");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .containsPattern("switchover: +\\d attempt\\(s\\)")
                .containsPattern("ms +\\(\\+ *[0-9.]+\\) +source +vcpus-stopped")
                .containsPattern("destination +running")
                .contains("(source stop to destination running)")
                .contains("VERIFIED");
    }

    @Test
    void downtimeBenchPrintsARowPerRunAndTheShareWithinTheLimit() {
        int code = run(
                "downtime-bench",
                "--ram",
                "16M",
                "--max-bandwidth",
                "64M",
                "--rates",
                "0.25",
                "--limits",
                "50",
                "--patterns",
                "uniform",
                "--runs",
                "1");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .containsPattern("0\\.25 +4096 +50 uniform +off +1 ")
                .containsPattern("0\\.25 +4096 +50 uniform +on +1 ")
                .containsPattern("(?m)^off +1 +")
                .contains("kept")
                .containsPattern("(?m)^on +1 +");
    }

    @Test
    void demoOptionsSetTheFirstRoundsParameters() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs("--auto-converge", "--compression", "zstd", "--xbzrle-cache-size", "8M");
        MigrationParameters p = demo.parameters();
        assertThat(p.throttling().autoConverge()).isTrue();
        assertThat(p.compression()).isEqualTo(Compression.zstd);
        assertThat(p.xbzrleCacheSize()).isEqualTo(8L << 20);
        DemoCommand limited = new DemoCommand();
        new CommandLine(limited).parseArgs("--dirty-limit", "--vcpu-dirty-limit", "2M");
        assertThat(limited.parameters().throttling().dirtyLimit()).isTrue();
        assertThat(limited.parameters().throttling().vcpuDirtyLimit()).isEqualTo(2L << 20);
        assertThat(run("demo", "--ram", "1M", "--auto-converge", "--dirty-limit"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("auto-converge and dirty-limit cannot both be on");
    }

    @Test
    void demoWithXbzrleAndAutoConvergeVerifies() {
        int code = run(
                "demo",
                "--ram",
                "32M",
                "--dirty-rate",
                "20000",
                "--devices=",
                "--xbzrle-cache-size",
                "4M",
                "--auto-converge",
                "--compression",
                "lz4");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("xbzrle hit rate:");
    }

    @Test
    void badOptionsFailWithOneClearLine() {
        assertThat(run("demo", "--pattern", "zigzag", "--ram", "1M")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown dirty pattern 'zigzag'").doesNotContain("\tat ");
        assertThat(run("demo", "--ram", "lots")).isEqualTo(2);
        assertThat(err.toString()).contains("'lots' is not a size");
        assertThat(run("demo", "--devices", "warp-drive", "--ram", "1M")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown device 'warp-drive'");
    }

    @Test
    void benchPrintsPausedAndRunningSideBySideAndWritesBothCharts(@TempDir Path dir) throws Exception {
        Path chart = dir.resolve("bench.png");
        Path passes = dir.resolve("passes.png");
        int code = run(
                "bench",
                "--sizes",
                "32M",
                "--contents",
                "random,zero",
                "--runs",
                "1",
                "--no-warm-up",
                "--qemu",
                "off",
                "--chart",
                chart.toString(),
                "--live-chart",
                passes.toString(),
                "--live-dirty-rate",
                "5000",
                "--no-bare-tcp");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).as("--no-bare-tcp").doesNotContain("bare TCP");
        assertThat(out.toString())
                .containsPattern("32 MiB random paused +\\d+ +\\d+ +\\d+ +\\d+ +\\d+")
                .containsPattern("32 MiB random running +\\d+")
                .containsPattern("32 MiB zero paused +\\d+")
                .containsPattern(
                        "cold \\(the process's first migration\\): 32.0 MiB random, paused, RAM pre-faulted, no bandwidth limit: \\d+ ms"
                                + " \\(setup \\d+ ms; CPU \\d+ ms; JIT \\d+ ms of compiler time, \\d+ classes loaded, \\d+ minor page faults\\)")
                .contains("  (one process's first migration is one sample: --cold-processes N compares the medians of N"
                        + " fresh processes' first migrations and of warm ones)")
                .containsPattern("paused / running-idle, 32 MiB random: \\d+\\.\\d\\d")
                .containsPattern("32 MiB random paused( +\\d+){3} +\\d+ +\\d+ +- +- +\\d+ +\\d+\\n")
                .contains("CPU ms: median CPU time")
                .contains("JIT ms: median of the JVM's total compilation time gained while a case ran")
                .containsPattern("heap with 32.0 MiB guest RAM: peak [\\d.]+ MiB")
                .contains("QEMU: not on the PATH (qemu-system-x86_64), or --qemu off")
                .containsPattern("live run: 32.0 MiB, vCPU dirtying 5000 pages/s uniformly: \\d+ passes");
        for (Path png : new Path[] {chart, passes}) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
            assertThat(head).as(png.toString()).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'
            });
        }
    }

    /** One quick paused run of {@code sizes} with {@code contents}, no warm-up, no QEMU, no live run; then {@code more}. */
    private int quickBench(Path chart, String sizes, String contents, String... more) {
        return quickBenchWithQemu(chart, sizes, contents, "off", more);
    }

    /** As above, with {@code --qemu qemu}. */
    private int quickBenchWithQemu(Path chart, String sizes, String contents, String qemu, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "bench",
                "--sizes",
                sizes,
                "--contents",
                contents,
                "--states",
                "paused",
                "--runs",
                "1",
                "--no-warm-up",
                "--qemu",
                qemu,
                "--live-dirty-rate",
                "0",
                "--chart",
                chart.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void benchComparesChannelCountsInTheSameRun(@TempDir Path dir) {
        int code = quickBench(dir.resolve("bench.png"), "32M", "random", "--channels", "1,2");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .containsPattern("32 MiB random paused +\\d+ +\\d+")
                .containsPattern("32 MiB random paused 2ch +\\d+ +\\d+")
                .containsPattern("32 MiB random paused 2ch / 1 channel: \\d+\\.\\d\\d of the total time")
                .contains("bare TCP: the same RAM over loopback in this process")
                .containsPattern(
                        "  32 MiB, least work beyond the wire: a CRC32C pass at each end 2 x \\d+ ms \\+ one copy"
                                + " into guest RAM \\d+ ms = \\d+ ms of CPU \\(verify, then apply; medians, one thread, in the"
                                + " same loop\\)\n"
                                + "  32 MiB on 1 connection: median \\d+ ms \\(min \\d+, max \\d+\\), \\d+ MiB/s, CPU \\d+ ms\n"
                                + "    32 MiB random paused: \\d+\\.\\d\\dx bare TCP's time \\(Ferry at \\d+% of its speed\\)\n"
                                + "  32 MiB on 1 connection, checked: median \\d+ ms \\(min \\d+, max \\d+\\), \\d+ MiB/s,"
                                + " CPU \\d+ ms\n"
                                + "    32 MiB random paused: \\d+\\.\\d\\dx checked TCP's time \\(Ferry at \\d+% of its"
                                + " speed\\)\n")
                .containsPattern("  32 MiB on 2 connections: median \\d+ ms .*, CPU \\d+ ms\n"
                        + "    32 MiB random paused 2ch: \\d+\\.\\d\\dx bare TCP's time .*\n"
                        + "  32 MiB on 2 connections, checked: median \\d+ ms .*, CPU \\d+ ms\n"
                        + "    32 MiB random paused 2ch: \\d+\\.\\d\\dx checked TCP's time");
        assertThat(run("bench", "--channels", "0", "--sizes", "16M")).isEqualTo(2);
    }

    @Test
    void aQemuThatFailsIsLeftOutAndTheBenchGoesOn(@TempDir Path dir) throws Exception {
        Path qemu = Files.writeString(
                dir.resolve("qemu-that-exits"), "#!/bin/sh\necho \"fake qemu: no such machine 'pc'\" >&2\nexit 3\n");
        assertThat(qemu.toFile().setExecutable(true)).isTrue();

        int code = quickBenchWithQemu(dir.resolve("bench.png"), "16M,32M", "random", qemu.toString(), "--no-bare-tcp");

        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("QEMU: side by side in this run (" + qemu)
                .containsPattern("QEMU's side failed in run 1 of 16.0 MiB, so QEMU is left out of that size's figures:"
                        + " QEMU's QMP socket .* did not open: .* \\(QEMU exited with 3\\); the source QEMU said: fake"
                        + " qemu: no such machine 'pc'")
                .contains("QEMU's side failed in run 1 of 32.0 MiB")
                .containsPattern("16 MiB random paused +\\d+ +\\d+ +\\d+ +\\d+ +\\d+ +- +- ")
                .containsPattern("32 MiB random paused +\\d+ +\\d+ +\\d+ +\\d+ +\\d+ +- +- ");
    }

    @Test
    void aQemuBinaryThatIsNotThereIsRefusedByName(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-qemu");

        assertThat(quickBenchWithQemu(dir.resolve("bench.png"), "16M", "random", missing.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("--qemu must be auto, off or an executable QEMU binary, but " + missing + " does not exist");
    }

    @Test
    void benchMigratesZerosWrittenAsBytesAsAContentOfItsOwn(@TempDir Path dir) {
        int code = quickBench(dir.resolve("bench.png"), "16M", "zero,written-zero");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .containsPattern("16 MiB zero paused +\\d+ +\\d+")
                .containsPattern("16 MiB written-zero paused +\\d+ +\\d+");
        assertThat(run("bench", "--contents", "writtenZero", "--sizes", "16M")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown content 'writtenZero' (one of random, zero, half, written-zero");
    }

    @Test
    void benchAlternatesFirstMigrationsOfFreshProcessesWithWarmOnes(@TempDir Path dir) {
        int code = quickBench(dir.resolve("bench.png"), "32M", "random", "--cold-processes", "2");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .containsPattern(
                        "warm-up 3: 32.0 MiB random, paused, .*\n" // run though the bench says --no-warm-up
                                + "first migrations of 2 fresh processes, alternated with warm ones here: 32.0 MiB random,"
                                + " paused\n"
                                + "  1: fresh process \\d+ ms \\(CPU \\d+ ms, JIT \\d+ ms; its process warm-up:"
                                + " (\\d+ ms|off)\\), warm here \\d+ ms \\(CPU \\d+ ms, JIT \\d+ ms\\)\n"
                                + "  2: fresh process \\d+ ms \\(CPU \\d+ ms, JIT \\d+ ms; its process warm-up:"
                                + " (\\d+ ms|off)\\), warm here \\d+ ms \\(CPU \\d+ ms, JIT \\d+ ms\\)\n"
                                + "  fresh processes' first: median \\d+ ms \\(min \\d+, max \\d+\\), CPU \\d+ ms\n"
                                + "  warm, this process: median \\d+ ms \\(min \\d+, max \\d+\\), CPU \\d+ ms\n"
                                + "  first migration / warm: \\d+\\.\\d\\d \\(medians\\)\n")
                .doesNotContain("one process's first migration is one sample");
        assertThat(run("bench", "--cold-processes", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--cold-processes must be 0 or more but was -1");
    }

    @Test
    void aBandwidthLimitedBenchIsNotComparedWithBareTcp(@TempDir Path dir) {
        int code = quickBench(dir.resolve("bench.png"), "16M", "random", "--max-bandwidth", "1G");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).containsPattern("16 MiB random paused +\\d+").doesNotContain("bare TCP");
    }

    @Test
    void aQuotedQemuFigureCarriesTheDayItWasMeasured() {
        int code = quickBench(Path.of(System.getProperty("java.io.tmpdir"), "ferry-bench-test.png"), "1G", "zero");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("reference, not this run: QEMU 7.2 took 79 ms for 1 GiB zero paused, measured on 2026-11-25");
    }
}
