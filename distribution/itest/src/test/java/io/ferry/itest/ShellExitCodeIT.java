package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/ferry shell -c ...} as a script would run it: the exit code says whether every
 * command succeeded, and a bad argument is one clear line (issue 11, defect 9).
 */
class ShellExitCodeIT {
    private record Run(int exit, String output) {}

    private static Run shell(String... commands) throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("ferry.home"));
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/ferry").toString(), "shell", "--web-port", "0"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FERRY_JAVA_OPTS", "-Xmx256m -XX:MaxDirectMemorySize=1g");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
            return new Run(p.exitValue(), out);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aScriptWhoseCommandsAllSucceedExitsZero() throws Exception {
        Run run = shell("ferry:machine --ram 16M --rate 0", "ferry:verify");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output())
                .contains("machine local: RUNNING, 16.0 MiB guest RAM")
                .containsPattern("state +[0-9a-f]{64}");
    }

    @Test
    void aFailedCommandMakesTheScriptExitOneAndEachErrorIsOneClearLine() throws Exception {
        Run run = shell(
                "ferry:machine --ram 4G --rate 0",
                "ferry:machine --ram 16M --seed x",
                "ferry:machine --ram 16M --rate 0");
        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.output())
                .contains("--ram 4.0 GiB is above this JVM's direct memory cap of 1.0 GiB; start it with a larger"
                        + " -XX:MaxDirectMemorySize (FERRY_JAVA_OPTS)")
                .contains("--seed 'x' is not a whole number")
                .contains("machine local: RUNNING, 16.0 MiB guest RAM") // the script went on after the failures
                .contains("ferry shell: 2 command(s) failed")
                .doesNotContain("InvocationTargetException")
                .doesNotContain("Cannot coerce");
    }

    @Test
    void aShortScriptEndsQuietlyWhileTheWarmUpIsStillRunning() throws Exception {
        // The script ends in about a second, inside the process warm-up's few seconds: shutting
        // down stops the warm-up and lets the plugins go without a warning for each.
        Run run = shell("ferry:plugins");
        assertQuietEnd(run);
    }

    @Test
    void aScriptThatSetsTlsCredentialsEndsQuietlyToo(@TempDir Path tmp) throws Exception {
        // tls-creds starts the TLS warm-up (after the plain one) on the framework's migrator, which
        // the framework stops as it shuts down.
        Path home = Path.of(System.getProperty("ferry.home"));
        Process init = new ProcessBuilder(
                        home.resolve("bin/ferry").toString(), "tls-init", "--dir", tmp.toString(), "--hosts", "host")
                .redirectErrorStream(true)
                .start();
        String initOut = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(init.waitFor(60, TimeUnit.SECONDS)).as(initOut).isTrue();
        assertThat(init.exitValue()).as(initOut).isZero();
        Run run = shell("ferry:set-parameter tls-creds " + tmp.resolve("host"));
        assertThat(run.output()).contains("tls-creds");
        assertQuietEnd(run);
    }

    private static void assertQuietEnd(Run run) {
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output())
                .contains("gosh: stopping shell and framework")
                .doesNotContain("WARNING")
                .doesNotContainPattern("plugin \\S+ left:")
                .doesNotContain("ended:");
    }
}
