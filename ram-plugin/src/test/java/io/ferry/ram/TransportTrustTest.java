package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.ProgressTimeoutException;
import io.ferry.transport.TestCertificateAuthority;
import io.ferry.transport.Transports;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guest RAM over TLS with mutual authentication, and a source facing a destination that stops reading. */
class TransportTrustTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static Migrator migrator() {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new RamPlugin());
        return new Migrator(registry);
    }

    @Test
    void guestRamMovesIntactOverMutuallyAuthenticatedTls() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry test CA", 1);
        Path a = ca.issue(dir.resolve("a"), "CN=a,O=Ferry", 1);
        Path b = ca.issue(dir.resolve("b"), "CN=b,O=Ferry", 1);
        // a migration of a few seconds, far longer than the handshake may take: only the handshake is bounded by it
        MigrationParameters common =
                MigrationParameters.defaults().with("handshake-timeout", "3000").with("max-bandwidth", "12M");
        MigrationParameters source = common.with("tls-creds", a.toString()).with("tls-authz", "CN=b,O=Ferry");
        MigrationParameters destination = common.with("tls-creds", b.toString()).with("tls-authz", "CN=a,O=Ferry");
        try (Machine src = TestMachines.runningSource("tls", 64L << 20, 5);
                Machine dest = TestMachines.destinationFor(src)) {
            src.pause();
            IncomingEndpoint endpoint =
                    Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), destination.transport());
            Migration in = migrator().incoming(dest, endpoint, destination);
            Migration out = migrator().migrate(src, endpoint.address(), source);
            out.await(WAIT);
            in.await(WAIT);
            assertThat(out.status()).as("%s", out.failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
            StateAssertions.assertSameState(src, dest);
            assertThat(out.figures().totalMillis()).isGreaterThan(3500);
        }
    }

    @Test
    void aSourceWhoseDestinationStopsReadingFailsAfterTheProgressTimeoutAndRunsOn() throws Exception {
        MigrationParameters params = MigrationParameters.defaults().with("progress-timeout", "500");
        try (Machine src = TestMachines.runningSource("frozen", 64L << 20, 6);
                ServerSocket frozen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String before = src.memory().digest();
            Migration out = migrator().migrate(src, new MigrationUri.Tcp("127.0.0.1", frozen.getLocalPort()), params);
            try (Socket accepted = frozen.accept()) { // accepted, and never read: a destination stopped with SIGSTOP
                out.await(WAIT);
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(out.failure().orElseThrow())
                        .hasMessageContaining("progress-timeout")
                        .hasRootCauseInstanceOf(ProgressTimeoutException.class);
                assertThat(src.runState()).isEqualTo(RunState.RUNNING);
                assertThat(src.isClaimed()).isFalse();
                assertThat(src.memory().digest()).isEqualTo(before);
            }
        }
    }
}
