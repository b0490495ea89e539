package io.ferry.cli;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.GuestMemory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the bench's workload on QEMU: a source QEMU whose guest RAM is a file in {@code /dev/shm}
 * holding the same content Ferry's source has, migrated over loopback TCP to a second QEMU
 * started with {@code -incoming}; both driven headless over QMP on unix sockets, both sides' RAM
 * pre-allocated ({@code prealloc=on}) before timing. The time is QEMU's own {@code total-time}
 * from {@code query-migrate}.
 */
final class QemuPair {
    private static final Pattern STATUS = Pattern.compile("\"status\":\\s*\"([a-z-]+)\"");
    private static final Pattern TOTAL = Pattern.compile("\"total-time\":\\s*(\\d+)");
    private static final Pattern MAJOR = Pattern.compile("\"major\":\\s*(\\d+)");
    private static final Pattern MINOR = Pattern.compile("\"minor\":\\s*(\\d+)");
    private static final Pattern MICRO = Pattern.compile("\"micro\":\\s*(\\d+)");
    /** How much of the end of a QEMU's log a failure's message looks at. */
    private static final int LOG_TAIL = 4096;
    /** How long the clean-up waits for each killed QEMU, so none is left a zombie. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final Path binary;
    private final Path work;
    private final boolean kvm;
    private String version = "?";
    /** An interrupted bench (Ctrl-C, SIGTERM) would leave its QEMUs and the guest-size RAM file in /dev/shm behind. */
    private final OwnedProcesses owned = new OwnedProcesses(
            "ferry-bench-qemu-cleanup", "ferry bench is ending: no QEMU started, no RAM file written", STOP_WAIT);

    private QemuPair(Path binary, Path work) {
        this.binary = binary;
        this.work = work;
        this.kvm = Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"));
        owned.deleteAtEnd(ramFile(), work.resolve("src.qmp"), work.resolve("dst.qmp"), log("src"), log("dst"), work);
    }

    /** QEMU when {@code qemu-system-x86_64} is on the PATH. */
    static Optional<QemuPair> find() throws IOException {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-x86_64");
            if (Files.isExecutable(p)) {
                return Optional.of(at(p));
            }
        }
        return Optional.empty();
    }

    /** The QEMU binary {@code binary} (an x86-64 system emulator). */
    static QemuPair at(Path binary) throws IOException {
        return new QemuPair(binary, Files.createTempDirectory("ferry-bench-qemu"));
    }

    /** What is driven, for the bench's header line. */
    String describe() {
        return binary + (version.equals("?") ? "" : " " + version) + (kvm ? " (KVM)" : " (TCG)");
    }

    /** Writes {@code memory}'s bytes into the file the next source QEMU uses as guest RAM. */
    void loadContent(GuestMemory memory) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        // not re-created after the exit's clean-up deleted it (an open one is freed at close)
        FileChannel file = owned.create(() -> FileChannel.open(
                ramFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
        try (FileChannel f = file) {
            for (long at = 0; at < memory.size(); at += chunk.capacity()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), memory.size() - at));
                memory.untracked().read(at, chunk);
                chunk.flip();
                while (chunk.hasRemaining()) {
                    f.write(chunk);
                }
            }
        } catch (IOException e) {
            IOException failure =
                    new IOException("could not write QEMU's guest RAM file " + ramFile() + ": " + e.getMessage(), e);
            try { // a part-written file would hold its tmpfs pages through Ferry's runs (/dev/shm full, say)
                Files.deleteIfExists(ramFile());
            } catch (IOException d) {
                failure.addSuppressed(d);
            }
            throw failure;
        }
    }

    /**
     * Migrates a guest of {@code size} bytes (content from {@link #loadContent}) once, at most
     * {@code maxBandwidth} bytes/s (0: unlimited); returns QEMU's total time in ms.
     */
    long migrate(long size, boolean running, long maxBandwidth) throws IOException, InterruptedException {
        int port = freePort();
        String mib = (size >> 20) + "M";
        Path srcSock = work.resolve("src.qmp");
        Path dstSock = work.resolve("dst.qmp");
        Process dst = start(
                List.of(
                        "-object",
                        "memory-backend-ram,id=ram0,size=" + mib + ",prealloc=on",
                        "-incoming",
                        "tcp:127.0.0.1:" + port),
                dstSock,
                "dst");
        Process src = null;
        try {
            src = start(
                    List.of(
                            "-object",
                            "memory-backend-file,id=ram0,size=" + mib + ",mem-path=" + ramFile()
                                    + ",share=on,prealloc=on"),
                    srcSock,
                    "src");
            try (Qmp s = Qmp.connect(srcSock, src);
                    Qmp d = Qmp.connect(dstSock, dst)) {
                return migrate(s, port, running, maxBandwidth);
            }
        } catch (IOException | IllegalStateException e) {
            stop(src); // first: a QEMU that is failing may not have written its reason yet
            stop(dst);
            throw new IOException(e.getMessage() + saidBy("source", "src", src) + saidBy("destination", "dst", dst), e);
        } finally {
            stop(src);
            stop(dst);
        }
    }

    /** Drives one migration on the source's QMP connection; returns QEMU's total time in ms. */
    private long migrate(Qmp s, int port, boolean running, long maxBandwidth) throws IOException, InterruptedException {
        version = number(MAJOR, s.greeting) + "." + number(MINOR, s.greeting) + "." + number(MICRO, s.greeting);
        if (running) {
            s.execute("{\"execute\":\"cont\"}");
        }
        // QEMU's own default is 128 MiB/s; 0 here means unlimited, as for Ferry
        long bandwidth = maxBandwidth > 0 ? maxBandwidth : Long.MAX_VALUE >> 1;
        s.execute("{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"max-bandwidth\":" + bandwidth + "}}");
        s.execute("{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:127.0.0.1:" + port + "\"}}");
        return awaitCompleted(s);
    }

    /**
     * The last lines QEMU {@code side} wrote (its error, if it failed), for a failure's message,
     * without the line its stop adds; "" if none.
     */
    private String saidBy(String side, String logName, Process qemu) {
        if (qemu == null) {
            return "";
        }
        try (FileChannel f = FileChannel.open(log(logName))) {
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(f.size(), LOG_TAIL));
            f.read(tail, f.size() - tail.capacity());
            List<String> lines = new String(tail.array(), 0, tail.position(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank() && !l.contains("terminating on signal"))
                    .toList();
            return lines.isEmpty()
                    ? ""
                    : "; the " + side + " QEMU said: "
                            + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private Path log(String side) {
        return work.resolve(side + ".log");
    }

    /** Stops any QEMU a failed or interrupted migrate left, and deletes the files. */
    void close() throws IOException, InterruptedException {
        owned.close();
    }

    private long awaitCompleted(Qmp s) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            String r = s.execute("{\"execute\":\"query-migrate\"}");
            Matcher st = STATUS.matcher(r);
            String status = st.find() ? st.group(1) : "?";
            if (status.equals("completed")) {
                Matcher t = TOTAL.matcher(r);
                checkState(t.find(), "query-migrate reported no total-time: %s", r);
                return Long.parseLong(t.group(1));
            }
            checkState(!status.equals("failed") && !status.equals("cancelled"), "QEMU migration %s: %s", status, r);
            Thread.sleep(2);
        }
        throw new IOException("QEMU migration did not complete within 10 minutes");
    }

    private static String number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : "?";
    }

    /** Starts a QEMU, its output in {@code logName}.log (a failure's message quotes its end). */
    private Process start(List<String> extra, Path qmp, String logName) throws IOException {
        Files.deleteIfExists(qmp);
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(),
                "-nodefaults",
                "-display",
                "none",
                "-S",
                "-accel",
                kvm ? "kvm" : "tcg",
                "-machine",
                "pc,memory-backend=ram0",
                "-qmp",
                "unix:" + qmp + ",server=on,wait=off"));
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log(logName).toFile());
        return owned.start(pb);
    }

    private Path ramFile() {
        return Path.of("/dev/shm", "ferry-bench-qemu-" + ProcessHandle.current().pid() + ".ram");
    }

    private void stop(Process p) throws InterruptedException {
        if (p != null) {
            owned.stop(p, Duration.ofSeconds(10));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** A QMP connection: one JSON object a line; events are skipped. */
    private static final class Qmp implements AutoCloseable {
        private final SocketChannel channel;
        private final ByteBuffer in = ByteBuffer.allocate(1 << 16);
        private final StringBuilder pending = new StringBuilder();
        private final String greeting;

        private Qmp(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.greeting = readLine();
            execute("{\"execute\":\"qmp_capabilities\"}");
        }

        /** Connects once QEMU has created its socket (it does so while it pre-allocates guest RAM). */
        static Qmp connect(Path socket, Process qemu) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                try {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    return new Qmp(ch);
                } catch (IOException e) {
                    if (!qemu.isAlive() || System.nanoTime() > deadline) {
                        throw new IOException(
                                "QEMU's QMP socket " + socket + " did not open: " + e.getMessage()
                                        + (qemu.isAlive() ? "" : " (QEMU exited with " + qemu.exitValue() + ")"),
                                e);
                    }
                    Thread.sleep(20);
                }
            }
        }

        /** Sends a command and returns its answer line; an error answer throws. */
        String execute(String command) throws IOException {
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            while (true) {
                String line = readLine();
                if (line.contains("\"event\"")) {
                    continue;
                }
                if (line.contains("\"error\"")) {
                    throw new IOException("QMP " + command + " failed: " + line);
                }
                return line;
            }
        }

        private String readLine() throws IOException {
            while (true) {
                int nl = pending.indexOf("\n");
                if (nl >= 0) {
                    String line = pending.substring(0, nl);
                    pending.delete(0, nl + 1);
                    return line;
                }
                in.clear();
                if (channel.read(in) < 0) {
                    throw new IOException("QMP connection closed");
                }
                pending.append(StandardCharsets.UTF_8.decode(in.flip()));
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
