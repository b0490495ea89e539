package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.itest.SwitchoverHold.Point;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * A source and a destination {@link SwitchoverPeer} process, the switchover held at a {@link Point}
 * until the test has done its damage there (killed a process, cut the link) and {@link #release}d
 * it; then {@link #settle} does what the README tells an operator to do with an IN_DOUBT side and
 * checks that exactly one guest runs, with the state the source had.
 */
final class SwitchoverPair implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(60);
    private static final String RAM_MIB = "32";

    /** Starts a peer process: directly, or inside a network namespace. */
    @FunctionalInterface
    interface Launcher {
        ShellProcess launch(String name, List<String> command) throws IOException;
    }

    /** How one side ended; {@code status} null if its process was killed. */
    record Outcome(String status, String decision, boolean wasInDoubt, String machine, String state) {
        static final Outcome KILLED = new Outcome(null, null, false, null, null);

        boolean killed() {
            return status == null;
        }

        boolean runs() {
            return "RUNNING".equals(machine);
        }
    }

    private final Point point;
    private final ShellProcess source;
    private final ShellProcess destination;
    private final String initialState;
    private boolean sourceKilled;
    private boolean destinationKilled;

    private SwitchoverPair(Point point, ShellProcess source, ShellProcess destination, String initialState) {
        this.point = point;
        this.source = source;
        this.destination = destination;
        this.initialState = initialState;
    }

    /**
     * Starts the destination listening on {@code listen}, the source connecting to
     * {@code connectHost} at the destination's port, and waits until the switchover is held at {@code point}.
     */
    static SwitchoverPair start(
            Point point,
            Launcher destinationSide,
            String listen,
            Launcher sourceSide,
            String connectHost,
            String... params)
            throws Exception {
        ShellProcess destination = destinationSide.launch(
                "destination", command("destination", listen, point.onSource() ? "none" : point.label(), params));
        String port = destination.await("^waiting on tcp:\\S+:(\\d+)$", WAIT).group(1);
        ShellProcess source = sourceSide.launch(
                "source",
                command(
                        "source",
                        "tcp:" + connectHost + ":" + port,
                        point.onSource() ? point.label() : "none",
                        params));
        String initial = source.await("^start ([0-9a-f]{64})$", WAIT).group(1);
        (point.onSource() ? source : destination).await("^held " + point.label() + "$", WAIT);
        return new SwitchoverPair(point, source, destination, initial);
    }

    /** SIGKILL to the source's JVM, and waits until it is gone. */
    void killSource() throws InterruptedException {
        source.kill();
        sourceKilled = true;
    }

    /** SIGKILL to the destination's JVM, and waits until it is gone. */
    void killDestination() throws InterruptedException {
        destination.kill();
        destinationKilled = true;
    }

    /** Lets the held side go on (if it is still alive). */
    void release() throws IOException {
        boolean holderKilled = point.onSource() ? sourceKilled : destinationKilled;
        if (!holderKilled) {
            (point.onSource() ? source : destination).send("release");
        }
    }

    /**
     * Waits until each live side ended or is IN_DOUBT, resolves the doubt as the README says (the
     * destination with the source's decision, COMMITTED if the source is gone for good; then the
     * source with how the destination ended, ABORTED if it is gone), and returns the outcomes:
     * {@code [source, destination]}.
     */
    Outcome[] settle() throws InterruptedException, IOException {
        Matcher d = destinationKilled ? null : endOrDoubt(destination);
        Matcher s = sourceKilled ? null : endOrDoubt(source);
        boolean destinationDoubted = d != null && d.group(1).equals("status IN_DOUBT");
        if (destinationDoubted) {
            boolean commit = s == null || s.group(3).equals("COMMITTED");
            destination.send("resolve " + (commit ? "commit" : "abort"));
            d = destination.await("^(ended) (\\w+) decision (\\w+)", WAIT);
        }
        boolean sourceDoubted = s != null && s.group(1).equals("status IN_DOUBT");
        if (sourceDoubted) {
            boolean commit = d != null && d.group(2).equals("COMPLETED");
            source.send("resolve " + (commit ? "commit" : "abort"));
            s = source.await("^(ended) (\\w+) decision (\\w+)", WAIT);
        }
        return new Outcome[] {outcome(source, s, sourceDoubted), outcome(destination, d, destinationDoubted)};
    }

    /** Waits until the destination reports IN_DOUBT. */
    void awaitDestinationInDoubt() throws InterruptedException {
        destination.await("^status IN_DOUBT", WAIT);
    }

    /** Both sides end on their own, no {@code resolve} sent: the in-doubt destination asked the source. */
    Outcome[] endByThemselves() throws InterruptedException {
        Matcher d = destination.await("^(ended) (\\w+) decision (\\w+)", WAIT);
        Matcher s;
        try {
            s = source.await("^(ended) (\\w+) decision (\\w+)", WAIT);
        } catch (AssertionError e) { // the other side's story tells why this one waits
            throw new AssertionError(e.getMessage() + "\n--- the destination said:\n" + destination.output(), e);
        }
        return new Outcome[] {outcome(source, s, false), outcome(destination, d, false)};
    }

    private static Matcher endOrDoubt(ShellProcess p) throws InterruptedException {
        return p.await("^(ended|status IN_DOUBT) ?(\\w*) decision (\\w+)", WAIT);
    }

    private static Outcome outcome(ShellProcess p, Matcher ended, boolean doubted) throws InterruptedException {
        if (ended == null) {
            return Outcome.KILLED;
        }
        String status = ended.group(2).isEmpty() ? "IN_DOUBT" : ended.group(2);
        String machine = p.await("^machine (\\w+)$", WAIT).group(1);
        String state = p.await("^state ([0-9a-f]{64})$", WAIT).group(1);
        return new Outcome(status, ended.group(3), doubted, machine, state);
    }

    /**
     * Exactly one guest runs, with the state the source had at switchover (the source has no
     * workload: the state it started with), unless the source's process, which held the only
     * running guest, was killed before the destination had acknowledged the whole state; then the
     * destination never runs either.
     */
    void assertExactlyOneGuest(Outcome[] outcomes) {
        Outcome s = outcomes[0];
        Outcome d = outcomes[1];
        String story = point + ": source " + s + ", destination " + d + "\nsource output:\n" + source.output()
                + "\ndestination output:\n" + destination.output();
        System.out.println("switchover held " + point.label() + (sourceKilled ? ", source killed" : "")
                + (destinationKilled ? ", destination killed" : "") + ": source " + s + "; destination " + d);
        assertThat(s.runs() && d.runs()).as("two running guests: " + story).isFalse();
        if (d.runs()) {
            assertThat(d.status()).as(story).isEqualTo("COMPLETED");
            assertThat(d.state())
                    .as("the destination runs the source's state: " + story)
                    .isEqualTo(initialState);
            if (!s.killed()) {
                assertThat(s.machine()).as(story).isEqualTo("POSTMIGRATE");
            }
        }
        if (s.runs()) {
            assertThat(s.state())
                    .as("the source resumed with nothing lost: " + story)
                    .isEqualTo(initialState);
            assertThat(s.decision()).as(story).isEqualTo("ABORTED");
            if (!d.killed()) {
                assertThat(d.status()).as(story).isEqualTo("FAILED");
                assertThat(d.machine())
                        .as("the destination discarded what it loaded: " + story)
                        .isEqualTo("INMIGRATE");
            }
        }
        if (!s.killed()) {
            assertThat(s.runs() || d.runs())
                    .as("the guest runs nowhere: " + story)
                    .isTrue();
        } else if (point == Point.AFTER_ACK || point == Point.AFTER_COMMIT) {
            assertThat(d.runs())
                    .as("acknowledged, and the source is gone for good: " + story)
                    .isTrue();
        } else if (point == Point.BEFORE_END) {
            assertThat(d.runs()).as("END never arrived: " + story).isFalse();
        }
    }

    private static List<String> command(String side, String uri, String hold, String... params)
            throws URISyntaxException {
        Path home = Path.of(System.getProperty("ferry.home"));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:MaxDirectMemorySize=256m",
                "-Dferry.warm-up=false",
                "-cp",
                home.resolve("lib") + "/*:" + testClasses(),
                SwitchoverPeer.class.getName(),
                side,
                uri,
                RAM_MIB,
                hold));
        cmd.addAll(List.of(params));
        return cmd;
    }

    static String testClasses() throws URISyntaxException {
        return Path.of(SwitchoverPeer.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            source.close();
        } finally {
            destination.close();
        }
    }
}
