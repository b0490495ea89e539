package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through, run with its commands: {@code ferry tls-init} makes a test CA and the
 * hosts' credentials; two Felix processes from the assembled distribution set {@code tls-creds} and
 * {@code tls-authz}, and live-migrate with the ITS, vhost-net and htab devices over TLS 1.3 with
 * mutual authentication, ending with the same {@code ferry:verify} digests on both sides. Before the
 * real source, a plaintext client and a peer whose certificate the same CA signed but
 * {@code tls-authz} does not name are refused before any frame is read, and the destination keeps
 * waiting.
 */
class TwoProcessIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String DEVICES = "its,vhost-net,htab";
    private static final String REFUSED = "refused a peer before reading any frame";

    @Test
    void liveMigrationOverMutualTlsBetweenTwoShellProcessesEndsWithEqualDigests(@TempDir Path tmp) throws Exception {
        Path home = Path.of(System.getProperty("ferry.home"));
        assertThat(home.resolve("bin/ferry")).as("the assembled distribution").exists();
        assertThat(Files.isExecutable(home.resolve("bin/ferry"))).isTrue();
        Path tls = tmp.resolve("ferry-tls");
        String init = run(home, "tls-init", "--dir", tls.toString(), "--hosts", "source,destination,intruder");
        assertThat(init).contains("destination: " + tls.resolve("destination")).contains("subject CN=source,O=Ferry");

        try (ShellProcess destination = ShellProcess.start(home, "destination");
                ShellProcess source = ShellProcess.start(home, "source")) {
            destination.send("ferry:machine --incoming --ram 128M --devices " + DEVICES);
            destination.send("ferry:set-parameter run-on-destination false");
            destination.send("ferry:set-parameter tls-creds " + tls.resolve("destination"));
            destination.send("ferry:set-parameter tls-authz CN=source,O=Ferry");
            destination.await("tls-authz +CN=source,O=Ferry", WAIT);
            destination.send("ferry:incoming tcp:127.0.0.1:0");
            String uri = destination
                    .await("waiting for a migration on (tcp:\\S+)", WAIT)
                    .group(1);

            assertPlaintextPeerGetsNoFrame(uri);
            destination.await(REFUSED, WAIT);
            String intruder = run(
                    home,
                    "migrate",
                    uri,
                    "--ram",
                    "16M",
                    "--devices=",
                    "--set",
                    "tls-creds=" + tls.resolve("intruder"),
                    "--set",
                    "tls-authz=CN=destination,O=Ferry");
            assertThat(intruder)
                    .contains("source migration: FAILED")
                    .contains("machine source: RUNNING (resumed here)");
            // the same CA signed it: refused by the authorization list
            destination.await(REFUSED + ": peer certificate subject 'CN=intruder,O=Ferry' is not in tls-authz", WAIT);

            source.send("ferry:machine --ram 128M --devices " + DEVICES + " --rate 20000");
            source.await("machine local: RUNNING", WAIT);
            source.send("ferry:set-parameter tls-creds " + tls.resolve("source"));
            source.send("ferry:set-parameter tls-authz CN=destination,O=Ferry");
            source.send("ferry:set-parameter compression zstd"); // the embedded aircompressor, in Felix
            source.send("ferry:migrate -w " + uri);
            source.await("\\[[#.]+\\] pass 1 ", WAIT);
            source.await("source migration: COMPLETED", WAIT);
            source.send("ferry:verify");
            source.await("machine local: POSTMIGRATE", WAIT);
            String sourceRam = source.await("ram +([0-9a-f]{64})", WAIT).group(1);
            String sourceState = source.await("state +([0-9a-f]{64})", WAIT).group(1);

            Matcher status;
            long deadline = System.nanoTime() + WAIT.toNanos();
            do {
                destination.send("ferry:info");
                status = destination.await("destination migration: (\\w+)", WAIT);
            } while (!status.group(1).equals("COMPLETED") && System.nanoTime() < deadline);
            assertThat(status.group(1)).as(destination.output()).isEqualTo("COMPLETED");
            destination.send("ferry:verify");
            destination.await("machine incoming: PAUSED", WAIT);
            assertThat(destination.await("ram +([0-9a-f]{64})", WAIT).group(1)).isEqualTo(sourceRam);
            assertThat(destination.await("state +([0-9a-f]{64})", WAIT).group(1))
                    .isEqualTo(sourceState);

            destination.send("ferry:cont");
            destination.await("machine incoming: RUNNING", WAIT);
        }
    }

    /**
     * A client that speaks plaintext (a stream header's worth of bytes, as an old source would send):
     * the destination answers nothing and drops it.
     */
    private static void assertPlaintextPeerGetsNoFrame(String uri) throws IOException {
        String[] hostPort = uri.substring("tcp:".length()).split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 10_000);
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write("FERRYMIG plaintext stream header".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = new byte[64];
            int n;
            try {
                n = in.read(answer);
            } catch (SocketException reset) {
                n = -1; // closed with a reset: nothing was answered either
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the destination kept a plaintext peer for " + WAIT.toSeconds() + " s", e);
            }
            // A TLS listener may answer a non-TLS hello with a TLS alert record (content type 21), never a Ferry frame.
            assertThat(n == -1 || answer[0] == 21)
                    .as("answered %d bytes, first %d", n, n > 0 ? answer[0] : 0)
                    .isTrue();
        }
    }

    /** Runs {@code bin/ferry ARGS...} to its end and returns its output. */
    private static String run(Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/ferry").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FERRY_JAVA_OPTS", "-Xmx128m -XX:MaxDirectMemorySize=256m -Dferry.warm-up=false");
        ShellProcess p = ShellProcess.watch(args[0], pb.start());
        String out = p.awaitEnd(WAIT);
        assertThat(p.process().waitFor(10, TimeUnit.SECONDS)).as(out).isTrue();
        return out;
    }
}
