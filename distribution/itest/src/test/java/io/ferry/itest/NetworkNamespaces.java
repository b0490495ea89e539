package io.ferry.itest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two Linux network namespaces, {@code source} and {@code destination}, joined by a veth pair
 * (10.231.N.1 and .2, used only inside these namespaces), each end limited by a token bucket
 * ({@code tc tbf}) and dropping 1% of its outgoing packets ({@code nft ... numgen random}).
 * Closing deletes both namespaces, which removes the veth pair and the rules with them.
 */
final class NetworkNamespaces implements AutoCloseable {
    private final String source;
    private final String destination;
    private final String sourceLink;
    private final String destinationAddress;
    private final List<String> created = new ArrayList<>();

    private NetworkNamespaces(long tag) {
        this.source = "ferry-s-" + tag;
        this.destination = "ferry-d-" + tag;
        this.sourceLink = "fs" + tag;
        this.destinationAddress = "10.231." + (tag % 250) + ".2";
    }

    /**
     * Sets them up.
     *
     * @throws IllegalStateException with the tool's own words when a step is not permitted here
     */
    static NetworkNamespaces create(String rate) throws IOException, InterruptedException {
        NetworkNamespaces n = new NetworkNamespaces(ProcessHandle.current().pid() % 100_000);
        try {
            n.setUp(rate);
            return n;
        } catch (IllegalStateException | IOException e) {
            n.close();
            throw e;
        }
    }

    private void setUp(String rate) throws IOException, InterruptedException {
        String peer = "fd" + sourceLink.substring(2);
        String net = destinationAddress.substring(0, destinationAddress.lastIndexOf('.'));
        run("ip", "netns", "add", source);
        created.add(source);
        run("ip", "netns", "add", destination);
        created.add(destination);
        run("ip", "link", "add", sourceLink, "type", "veth", "peer", "name", peer);
        run("ip", "link", "set", sourceLink, "netns", source);
        run("ip", "link", "set", peer, "netns", destination);
        run("ip", "-n", source, "addr", "add", net + ".1/24", "dev", sourceLink);
        run("ip", "-n", destination, "addr", "add", destinationAddress + "/24", "dev", peer);
        for (String[] end : new String[][] {{source, sourceLink}, {destination, peer}}) {
            run("ip", "-n", end[0], "link", "set", "lo", "up");
            run("ip", "-n", end[0], "link", "set", end[1], "up");
            run(
                    "ip", "netns", "exec", end[0], "tc", "qdisc", "add", "dev", end[1], "root", "tbf", "rate", rate,
                    "burst", "512kb", "latency", "50ms");
            run("ip", "netns", "exec", end[0], "nft", "add", "table", "inet", "t");
            run(
                    "ip",
                    "netns",
                    "exec",
                    end[0],
                    "nft",
                    "add",
                    "chain",
                    "inet",
                    "t",
                    "o",
                    "{ type filter hook output priority 0 ; }");
            run(
                    "ip", "netns", "exec", end[0], "nft", "add", "rule", "inet", "t", "o", "numgen", "random", "mod",
                    "100", "<", "1", "drop");
        }
    }

    String source() {
        return source;
    }

    String destination() {
        return destination;
    }

    /** The destination's address on the veth pair, reachable from the source namespace. */
    String destinationAddress() {
        return destinationAddress;
    }

    /** Takes the source's end of the link down: the link goes silent, nothing is reset. */
    void cutLink() throws IOException, InterruptedException {
        run("ip", "-n", source, "link", "set", sourceLink, "down");
    }

    /** Brings the link {@link #cutLink()} took down up again. */
    void restoreLink() throws IOException, InterruptedException {
        run("ip", "-n", source, "link", "set", sourceLink, "up");
    }

    /** {@code command} run inside namespace {@code ns}. */
    static List<String> in(String ns, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(command);
        return cmd;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (String ns : created) {
            run("ip", "netns", "del", ns);
        }
        created.clear();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": no answer in 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
    }
}
