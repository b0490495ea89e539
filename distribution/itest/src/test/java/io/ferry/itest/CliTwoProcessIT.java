package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Two plain-Java processes, no OSGi: {@code ferry incoming} and {@code ferry migrate}, their output and exit codes. */
class CliTwoProcessIT {
    private static final String MACHINE = "--ram=64M --devices=its,vhost-net,htab --seed=7";

    private static ProcessBuilder ferry(String... args) {
        Path home = Path.of(System.getProperty("ferry.home"));
        List<String> cmd =
                new java.util.ArrayList<>(List.of(home.resolve("bin/ferry").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FERRY_JAVA_OPTS", "-Xmx256m -XX:MaxDirectMemorySize=1g");
        return pb;
    }

    @Test
    void migratesBetweenTwoProcessesWithProgressAndEqualStateDigests() throws Exception {
        Process incoming = ferry(("incoming tcp:127.0.0.1:0 --timeout=120 " + MACHINE).split(" "))
                .start();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(incoming.getInputStream(), StandardCharsets.UTF_8))) {
            Matcher uri = awaitLine(in, Pattern.compile("waiting for a migration on (tcp:\\S+)"));
            CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> readAll(in));

            Process migrate = ferry(("migrate " + uri.group(1) + " --dirty-rate=5000 " + MACHINE).split(" "))
                    .start();
            String sourceOut = new String(migrate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(migrate.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(incoming.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String destOut = rest.get(10, TimeUnit.SECONDS);

            assertThat(migrate.exitValue()).as(sourceOut).isZero();
            assertThat(incoming.exitValue()).as(destOut).isZero();
            assertThat(sourceOut)
                    .containsPattern("\\[#+\\] pass 0 +setup")
                    .containsPattern("\\[[#.]+\\] pass 1 ")
                    .contains("source migration: COMPLETED")
                    .contains("machine source: POSTMIGRATE");
            assertThat(destOut).contains("destination migration: COMPLETED").contains("machine incoming: RUNNING");
            assertThat(state(destOut)).isEqualTo(state(sourceOut));
        } finally {
            incoming.destroyForcibly();
        }
    }

    @Test
    void aMigrationWithNoDestinationExitsOneAndBadUsageTwo() throws Exception {
        Process nobody =
                ferry("migrate", "tcp:127.0.0.1:1", "--ram=16M", "--devices=").start();
        String out = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(nobody.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(nobody.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("source migration: FAILED").contains("machine source: RUNNING (resumed here)");

        Process bad = ferry("incoming", "file:/tmp/x").start();
        String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).as(badOut).isEqualTo(2);
        assertThat(badOut).contains("incoming takes tcp:HOST:PORT, not 'file:/tmp/x'");
    }

    /** The first line matching {@code pattern}; fails at the end of the output (log lines may come first). */
    private static Matcher awaitLine(BufferedReader in, Pattern pattern) throws IOException {
        StringBuilder seen = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("no line matching " + pattern + " in:\n" + seen);
    }

    private static String state(String output) {
        Matcher m = Pattern.compile("^state ([0-9a-f]{64})$", Pattern.MULTILINE).matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return m.group(1);
    }

    private static String readAll(BufferedReader in) {
        try {
            StringBuilder out = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                out.append(line).append('\n');
            }
            return out.toString();
        } catch (IOException e) {
            return "(output ended: " + e + ")";
        }
    }
}
