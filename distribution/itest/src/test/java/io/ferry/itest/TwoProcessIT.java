package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * The README's walk-through, run: two Felix processes from the assembled distribution, a live
 * migration with the ITS, vhost-net and htab devices over loopback TCP by shell commands, and
 * the same {@code ferry:verify} digests on both sides.
 */
class TwoProcessIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String DEVICES = "its,vhost-net,htab";

    @Test
    void liveMigrationBetweenTwoShellProcessesEndsWithEqualDigests() throws Exception {
        Path home = Path.of(System.getProperty("ferry.home"));
        assertThat(home.resolve("bin/ferry")).as("the assembled distribution").exists();
        assertThat(Files.isExecutable(home.resolve("bin/ferry"))).isTrue();
        try (ShellProcess destination = ShellProcess.start(home, "destination");
                ShellProcess source = ShellProcess.start(home, "source")) {
            destination.send("ferry:machine --incoming --ram 128M --devices " + DEVICES);
            destination.send("ferry:set-parameter run-on-destination false");
            destination.send("ferry:incoming tcp:127.0.0.1:0");
            String uri = destination.await("waiting for a migration on (tcp:\\S+)", WAIT).group(1);

            source.send("ferry:machine --ram 128M --devices " + DEVICES + " --rate 20000");
            source.await("machine local: RUNNING", WAIT);
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
            assertThat(destination.await("state +([0-9a-f]{64})", WAIT).group(1)).isEqualTo(sourceState);

            destination.send("ferry:cont");
            destination.await("machine incoming: RUNNING", WAIT);
        }
    }
}
