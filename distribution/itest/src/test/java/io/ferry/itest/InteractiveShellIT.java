package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/ferry shell} at a real terminal (a pseudo-terminal from util-linux {@code script}):
 * Gogo JLine completes {@code ferry:mig<TAB>} to {@code ferry:migrate} and lists the options of
 * {@code ferry:machine --ra<TAB>} with their descriptions.
 */
class InteractiveShellIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SCRIPT = Path.of("/usr/bin/script");

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();

    @Test
    void tabCompletesFerryCommandsAndTheirOptions() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT), "needs util-linux script(1) for a pseudo-terminal");
        Path ferry = Path.of(System.getProperty("ferry.home"), "bin", "ferry");
        ProcessBuilder pb = new ProcessBuilder(
                        SCRIPT.toString(),
                        "-q",
                        "-c",
                        "stty cols 160 rows 40; '" + ferry + "' shell --web-port 0",
                        "/dev/null")
                .redirectErrorStream(true);
        pb.environment().put("FERRY_JAVA_OPTS", "-Xmx256m -XX:MaxDirectMemorySize=1g");
        Process p = pb.start();
        Thread reader = new Thread(() -> copy(p.getInputStream()), "pty-reader");
        reader.setDaemon(true);
        reader.start();
        try (OutputStream keys = p.getOutputStream()) {
            awaitScreen("g! ");
            type(keys, "ferry:mig\t");
            awaitScreen("ferry:migrate");
            type(keys, "\u0015ferry:machine --ra\t"); // Ctrl-U clears the line first
            awaitScreen("(Guest RAM size, such as 256M or 1G)");
            assertThat(text()).contains("--rate").contains("(Pages per second the vCPU dirties (0: none))");
            type(keys, "\u0015stop 0\n");
            assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as(text()).isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // script, bin/ferry and the JVM
            p.destroyForcibly();
        }
    }

    private static void type(OutputStream keys, String s) throws IOException {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** What the terminal shows, without its escape sequences (JLine colours every typed character). */
    private String text() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8)
                    .replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
                    .replaceAll("\u001B[=>]", "");
        }
    }

    private void awaitScreen(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (screen) {
            while (!text().contains(expected)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("the terminal never showed '" + expected + "':\n" + text());
                }
                screen.wait(left);
            }
        }
    }

    private void copy(InputStream in) {
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (screen) {
                    screen.write(buffer, 0, n);
                    screen.notifyAll();
                }
            }
        } catch (IOException e) {
            // the terminal closed
        }
    }
}
