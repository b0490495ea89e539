package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's in-doubt paragraph, run between two shells of a copy of the distribution that also
 * starts the {@link HoldBundle}: one shell killed where the switchover leaves the other IN_DOUBT,
 * which {@code ferry:info} shows with its stream id and {@code ferry:resolve} ends, with exactly
 * one running guest that has the source's state at switchover.
 */
class ShellInDoubtIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Short bounds, so the side left alone notices in seconds. */
    private static final String[] BOUNDS = {
        "ferry:set-parameter switchover-timeout 2000",
        "ferry:set-parameter progress-timeout 3000",
        "ferry:set-parameter in-doubt-timeout 2000"
    };

    @TempDir
    static Path tmp;

    private static Path home;

    @BeforeAll
    static void distributionWithTheHoldBundle() throws Exception {
        Path original = Path.of(System.getProperty("ferry.home"));
        home = tmp.resolve("ferry");
        try (Stream<Path> files = Files.walk(original)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = home.resolve(original.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        HoldBundle.write(home.resolve("bundle/ferry-itest-hold.jar"));
    }

    @Test
    void aSourceKilledAfterTheAckLeavesTheDestinationInDoubtUntilResolvedCommit() throws Exception {
        Path release = tmp.resolve("release-after-ack");
        try (ShellProcess destination = ShellProcess.start(home, "destination");
                ShellProcess source = ShellProcess.start(home, "source", 0, hold("after-ack", release))) {
            String uri = listen(destination);
            source.send("ferry:machine --ram 32M --rate 5000");
            bounds(source);
            source.send("ferry:migrate " + uri);
            source.await("held after-ack$", WAIT);
            source.send("ferry:verify"); // stopped, acknowledged, about to commit: the state at switchover
            source.await("machine local: FINISH_MIGRATE", WAIT);
            String state = source.await("state +([0-9a-f]{64})", WAIT).group(1);
            source.kill();

            Matcher doubt = awaitStatus(destination, "destination", "IN_DOUBT");
            String stream = doubt.group(1);
            assertThat(doubt.group(2)).isEqualTo(", in doubt: ferry:resolve commit|abort " + stream);
            destination.send("ferry:cancel"); // in doubt, a cancel could run the guest twice or nowhere
            destination.await("nothing to cancel: the destination migration is IN_DOUBT", WAIT);
            destination.send("ferry:resolve commit " + stream); // the source is gone for good: it never resumes
            destination.await("stream " + stream + " resolved COMMITTED: the machine runs here", WAIT);
            awaitStatus(destination, "destination", "COMPLETED");
            destination.send("ferry:verify");
            destination.await("machine incoming: PAUSED", WAIT);
            assertThat(destination.await("state +([0-9a-f]{64})", WAIT).group(1))
                    .isEqualTo(state);
            destination.send("ferry:cont");
            destination.await("machine incoming: RUNNING", WAIT);
        }
    }

    @Test
    void aDestinationKilledAfterCommitLeavesTheSourceInDoubtUntilResolvedAbort() throws Exception {
        Path release = tmp.resolve("release-after-commit");
        try (ShellProcess destination = ShellProcess.start(home, "destination", 0, hold("after-commit", release));
                ShellProcess source = ShellProcess.start(home, "source")) {
            String uri = listen(destination);
            source.send(
                    "ferry:machine --ram 32M --rate 0"); // no devices, no workload: its state stays the one it starts
            // with
            source.send("ferry:verify");
            String state = source.await("state +([0-9a-f]{64})", WAIT).group(1);
            bounds(source);
            source.send("ferry:migrate " + uri);
            destination.await("held after-commit$", WAIT);
            destination.kill();

            Matcher doubt = awaitStatus(source, "source", "IN_DOUBT");
            String stream = doubt.group(1);
            assertThat(doubt.group(2)).isEqualTo(", decision COMMITTED");
            source.send("ferry:cont"); // committed: it never resumes unless told the destination never ran
            source.await("a migration is already IN_DOUBT", WAIT);
            source.send("ferry:resolve abort " + stream); // the destination is gone: it never ran the machine on
            source.await("stream " + stream + " resolved ABORTED: the machine resumes here", WAIT);
            awaitStatus(source, "source", "FAILED");
            source.send("ferry:verify");
            source.await("machine local: RUNNING", WAIT);
            assertThat(source.await("state +([0-9a-f]{64})", WAIT).group(1))
                    .as("nothing lost")
                    .isEqualTo(state);
        }
    }

    private static String hold(String point, Path release) {
        // without the warm-up migrations a shell runs at start, the first migration held is the test's
        return "-Dferry.warm-up=false -Dferry.hold=" + point + " -Dferry.hold.release=" + release;
    }

    private static void bounds(ShellProcess shell) throws IOException {
        for (String command : BOUNDS) {
            shell.send(command);
        }
    }

    private static String listen(ShellProcess destination) throws IOException, InterruptedException {
        destination.send("ferry:machine --incoming --ram 32M");
        destination.send("ferry:set-parameter run-on-destination false");
        bounds(destination);
        destination.send("ferry:incoming tcp:127.0.0.1:0");
        return destination.await("waiting for a migration on (tcp:\\S+)", WAIT).group(1);
    }

    /** Asks {@code ferry:info} until the migration's status is {@code status}; returns its stream line: id, then the rest. */
    private static Matcher awaitStatus(ShellProcess shell, String side, String status) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String seen;
        do {
            shell.send("ferry:info");
            seen = shell.await(side + " migration: (\\w+)", WAIT).group(1);
        } while (!seen.equals(status) && System.nanoTime() < deadline);
        assertThat(seen).as(shell.output()).isEqualTo(status);
        return shell.await("stream: +([0-9a-f]{16})(.*)$", WAIT);
    }
}
