package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.RunState;
import io.ferry.machine.Vcpu;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TestCertificateAuthority;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several TCP channels per migration (the {@code channels} parameter), through a proxy that counts and cuts. */
class ChannelsTest {
    private static final long RAM = 64L << 20;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final MigrationParameters TWO = MigrationParameters.defaults().withRunOnDestination(false)
            .withChannels(2);

    @Test
    void twoChannelsWithALiveVcpuEndWithEqualStateAndBothCarryRam() throws Exception {
        try (Machine source = TestMachines.runningSource("two", RAM, 21); Machine dest = TestMachines.destinationFor(source)) {
            // A small hot set: the same pages are sent again in pass after pass, batches alternating channels.
            Vcpu vcpu = source.startVcpu("vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.02), 7));
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                    Proxy proxy = new Proxy(endpoint.address(), -1, Long.MAX_VALUE)) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, TWO);
                Migration out = new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, proxy.address(), TWO);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(out.failure()).isEmpty();
                assertThat(in.failure()).isEmpty();
                assertThat(out.status()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(out.figures().iterations()).isGreaterThanOrEqualTo(1);
                assertThat(vcpu.steps()).isPositive();
                StateAssertions.assertSameState(source, dest);
                assertThat(proxy.connections()).as("one connection per channel").isEqualTo(2);
                assertThat(proxy.forwarded(0)).isGreaterThan(RAM / 4);
                assertThat(proxy.forwarded(1)).as("channel 1 carries RAM batches").isGreaterThan(RAM / 4);
            }
        }
    }

    @Test
    void aChannelKilledMidStreamFailsCleanlyWithTheSourceRunningAndRamUnchanged() throws Exception {
        try (Machine source = TestMachines.runningSource("cut", RAM, 22); Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                    Proxy proxy = new Proxy(endpoint.address(), 1, 4L << 20)) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, TWO);
                Migration out = new Migrator(PluginRegistry.of(new RamPlugin())).migrate(source, proxy.address(), TWO);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(proxy.forwarded(1)).isGreaterThanOrEqualTo(4L << 20);
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            }
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
            assertThat(source.memory().digest()).isEqualTo(before);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    @Test
    void eachChannelIsItsOwnMutuallyAuthenticatedTlsConnection(@TempDir Path dir) throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry test CA", 1);
        Path a = ca.issue(dir.resolve("a"), "CN=a,O=Ferry", 1);
        Path b = ca.issue(dir.resolve("b"), "CN=b,O=Ferry", 1);
        MigrationParameters source = TWO.with("tls-creds", a.toString()).with("tls-authz", "CN=b,O=Ferry");
        MigrationParameters destination = TWO.with("tls-creds", b.toString()).with("tls-authz", "CN=a,O=Ferry")
                .with("tls-required", "true");
        try (Machine src = TestMachines.runningSource("tls2", RAM, 25); Machine dest = TestMachines.destinationFor(src)) {
            src.pause();
            try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0),
                    destination.transport())) {
                Migration in = new Migrator(PluginRegistry.of(new RamPlugin())).incoming(dest, endpoint, destination);
                Migration out = new Migrator(PluginRegistry.of(new RamPlugin())).migrate(src, endpoint.address(), source);
                out.await(WAIT);
                in.await(WAIT);
                assertThat(out.status()).as("%s", out.failure()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
                StateAssertions.assertSameState(src, dest);
            }
        }
    }

    @Test
    void theHarnessMigratesOverTwoChannelsPaused() throws Exception {
        try (Machine source = TestMachines.runningSource("paused2", RAM, 23); Machine dest = TestMachines.destinationFor(source)) {
            source.pause();
            Harness.between(source, dest).plugins(new RamPlugin()).transport(TransportKind.TCP).parameters(TWO).run(WAIT)
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void severalChannelsToASnapshotFileAreRefusedClearly(@TempDir Path dir) {
        try (Machine source = TestMachines.runningSource("file2", RAM, 24)) {
            Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));
            assertThatThrownBy(() -> migrator.migrate(source, new MigrationUri.File(dir.resolve("vm.ferry")), TWO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channels 2")
                    .hasMessageContaining("several channels need a tcp: destination");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    /**
     * A TCP proxy on loopback: forwards each accepted connection to the target, counting the bytes
     * from source to destination per connection, and cuts connection {@code cutIndex} (both ways)
     * once it has forwarded {@code cutAfter} bytes.
     */
    private static final class Proxy implements AutoCloseable {
        private final ServerSocket server;
        private final MigrationUri.Tcp target;
        private final int cutIndex;
        private final long cutAfter;
        private final List<AtomicLong> counts = new CopyOnWriteArrayList<>();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Proxy(MigrationUri target, int cutIndex, long cutAfter) throws IOException {
            this.target = (MigrationUri.Tcp) target;
            this.cutIndex = cutIndex;
            this.cutAfter = cutAfter;
            this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::acceptLoop, "proxy-accept");
            t.setDaemon(true);
            t.start();
        }

        MigrationUri address() {
            return new MigrationUri.Tcp("127.0.0.1", server.getLocalPort());
        }

        int connections() {
            return counts.size();
        }

        long forwarded(int index) {
            return counts.get(index).get();
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket in = server.accept();
                    Socket out = new Socket(target.host(), target.port());
                    sockets.add(in);
                    sockets.add(out);
                    AtomicLong count = new AtomicLong();
                    int index = counts.size();
                    counts.add(count);
                    pump(in, out, index == cutIndex ? cutAfter : Long.MAX_VALUE, count);
                    pump(out, in, Long.MAX_VALUE, new AtomicLong());
                }
            } catch (IOException e) {
                // closed
            }
        }

        private static void pump(Socket from, Socket to, long cutAfter, AtomicLong count) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 << 10];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        if (count.addAndGet(n) >= cutAfter) {
                            break; // the cut: both sockets close here
                        }
                    }
                } catch (IOException e) {
                    // the other direction closed
                } finally {
                    close(from);
                    close(to);
                }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            sockets.forEach(Proxy::close);
        }
    }
}
