package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry bench} interrupted (Ctrl-C, or a SIGTERM): the QEMUs it started and the guest-RAM
 * file it wrote to {@code /dev/shm} (as large as the guest), or the fresh process it measures a
 * first migration in and that process's log, must not outlive it. For QEMU, a stand-in
 * {@code qemu-system-x86_64} first on the PATH records its pid and sleeps, so the bench waits for
 * its QMP socket; no real QEMU is needed.
 */
class BenchInterruptIT {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void anInterruptedBenchStopsItsQemusAndDeletesTheirRamFile(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path pids = dir.resolve("qemu.pids");
        Path fake = bin.resolve("qemu-system-x86_64");
        Files.writeString(fake, "#!/bin/sh\necho $$ >> \"$FAKE_QEMU_PIDS\"\nexec sleep 600\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));

        ProcessBuilder pb = quickBench(dir, "--no-warm-up");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("FAKE_QEMU_PIDS", pids.toString());
        Path tmp = Files.createDirectories(dir.resolve("tmp")); // where the bench keeps QEMU's sockets and log
        pb.environment()
                .put(
                        "FERRY_JAVA_OPTS",
                        "-Xmx256m -XX:MaxDirectMemorySize=1g -Dferry.warm-up=false -Djava.io.tmpdir=" + tmp);
        Process bench = pb.start();
        Path ramFile = Path.of("/dev/shm", "ferry-bench-qemu-" + bench.pid() + ".ram");
        List<ProcessHandle> qemus = List.of();
        try {
            // Both stand-ins started: the bench now waits for the source's QMP socket (up to 2 minutes).
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (qemus.size() < 2 && bench.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                qemus = standIns(pids);
            }
            assertThat(qemus).as(output(dir)).hasSize(2);
            assertThat(ramFile)
                    .as("the source QEMU's guest RAM, written before it started")
                    .exists();

            bench.destroy(); // SIGTERM, as an interrupt: the JVM runs its shutdown hooks
            assertThat(bench.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            for (ProcessHandle q : qemus) {
                assertThat(awaitGone(q))
                        .as("stand-in QEMU " + q.pid() + " still runs")
                        .isTrue();
            }
            assertThat(ramFile).as(output(dir)).doesNotExist();
            try (Stream<Path> left = Files.list(tmp)) {
                assertThat(left).as("the bench's QEMU work directory").isEmpty();
            }
        } finally {
            bench.destroyForcibly();
            for (ProcessHandle q : standIns(pids)) { // read again: one may have started after the last read
                q.destroyForcibly(); // a handle, not a pid: a pid reused since is not touched
            }
            Files.deleteIfExists(ramFile);
        }
    }

    @Test
    void anInterruptedBenchStopsTheFreshProcessItMeasuresAndDeletesItsLog(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp")); // where the bench keeps the fresh process's log
        Process bench = coldProcessesBench(dir, tmp);
        Optional<ProcessHandle> fresh = Optional.empty();
        try {
            fresh = awaitFreshProcess(bench);
            assertThat(fresh).as(output(dir)).isPresent();
            List<Path> logs = logs(tmp);
            assertThat(logs).as("the fresh process's log").hasSize(1);
            assertThat(Files.readString(logs.get(0)))
                    .as("the fresh process is still in its process warm-up")
                    .doesNotContain("process warm-up:");

            bench.destroy(); // SIGTERM, as an interrupt: the JVM runs its shutdown hooks
            assertThat(bench.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            // Stopped in its warm-up, seconds before it would end by itself: gone at once, not in its own time.
            assertThat(awaitGone(fresh.get(), Duration.ofSeconds(2)))
                    .as("fresh process " + fresh.get().pid() + " still runs")
                    .isTrue();
            assertThat(logs(tmp)).as(output(dir)).isEmpty();
        } finally {
            bench.destroyForcibly();
            fresh.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aKilledBenchLeavesNoFreshProcessRunning(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Process bench = coldProcessesBench(dir, tmp);
        Optional<ProcessHandle> fresh = Optional.empty();
        try {
            fresh = awaitFreshProcess(bench);
            assertThat(fresh).as(output(dir)).isPresent();
            Path log = logs(tmp).get(0);
            assertThat(Files.readString(log))
                    .as("the fresh process is still in its process warm-up")
                    .doesNotContain("process warm-up:");

            bench.destroyForcibly(); // SIGKILL: no shutdown hook runs, and the log stays
            assertThat(bench.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            assertThat(awaitGone(fresh.get()))
                    .as("fresh process " + fresh.get().pid() + " still runs")
                    .isTrue();
            // Left alone it would have finished its warm-up and migration, seconds later, and printed its sample.
            assertThat(Files.readString(log))
                    .as("the fresh process halted when the bench was gone")
                    .doesNotContain("cold-sample ");
        } finally {
            bench.destroyForcibly();
            fresh.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A bench that measures first migrations in three fresh processes, writing its output to
     * {@code dir} and the fresh processes' logs to {@code tmp}. The process warm-up stays on: each
     * fresh process spends seconds in it, and is stopped there.
     */
    private static Process coldProcessesBench(Path dir, Path tmp) throws java.io.IOException {
        ProcessBuilder pb = quickBench(dir, "--qemu=off", "--cold-processes=3");
        pb.environment().put("FERRY_JAVA_OPTS", "-Xmx256m -XX:MaxDirectMemorySize=1g -Djava.io.tmpdir=" + tmp);
        return pb.start();
    }

    /**
     * {@code ferry bench} of one 16 MiB run of random pages, paused, without bare TCP or a live
     * run, then {@code more} arguments; its output goes to {@code bench.out} in {@code dir}.
     */
    private static ProcessBuilder quickBench(Path dir, String... more) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("ferry.home")).resolve("bin/ferry").toString(),
                "bench",
                "--sizes=16M",
                "--contents=random",
                "--states=paused",
                "--runs=1",
                "--no-bare-tcp",
                "--live-dirty-rate=0",
                "--chart=" + dir.resolve("bench.png")));
        command.addAll(List.of(more));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("bench.out").toFile());
    }

    /** The bench's first fresh process, once it runs (within {@link #BOUND}). */
    private static Optional<ProcessHandle> awaitFreshProcess(Process bench) throws InterruptedException {
        Optional<ProcessHandle> fresh = Optional.empty();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (fresh.isEmpty() && bench.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            fresh = bench.descendants().filter(BenchInterruptIT::isColdSample).findFirst();
        }
        return fresh;
    }

    private static boolean isColdSample(ProcessHandle p) {
        return p.info()
                .arguments()
                .map(a -> List.of(a).contains("--cold-sample"))
                .orElse(false);
    }

    private static List<Path> logs(Path tmp) throws java.io.IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(f -> f.getFileName().toString().startsWith("ferry-cold-sample"))
                    .toList();
        }
    }

    /** The stand-ins that recorded their pid and still run. */
    private static List<ProcessHandle> standIns(Path pids) throws java.io.IOException {
        if (!Files.exists(pids)) {
            return List.of();
        }
        return Files.readAllLines(pids).stream()
                .filter(l -> !l.isBlank())
                .map(l -> ProcessHandle.of(Long.parseLong(l.strip())))
                .flatMap(Optional::stream)
                .toList();
    }

    private static boolean awaitGone(ProcessHandle q) throws InterruptedException {
        return awaitGone(q, BOUND);
    }

    private static boolean awaitGone(ProcessHandle q, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (q.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !q.isAlive();
    }

    private static String output(Path dir) {
        try {
            return Files.readString(dir.resolve("bench.out"));
        } catch (java.io.IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
