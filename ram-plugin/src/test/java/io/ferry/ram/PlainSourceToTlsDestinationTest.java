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
import io.ferry.testkit.TestMachines;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TestCertificateAuthority;
import io.ferry.transport.Transports;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plaintext source meeting a destination that requires TLS fails at once and keeps running. */
class PlainSourceToTlsDestinationTest {
    @TempDir
    Path tmp;

    @Test
    void aPlaintextSourceRefusedByATlsDestinationFailsAndResumes() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create(tmp.resolve("ca"), "CN=CA", 1);
        Path creds = ca.issue(tmp.resolve("host"), "CN=host,O=Ferry", 1);
        MigrationParameters tls = MigrationParameters.defaults().with("tls-creds", creds.toString());
        MigrationParameters plain = MigrationParameters.defaults();
        Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));
        try (Machine source = TestMachines.runningSource("plain", 4L << 20, 5);
                Machine destination = TestMachines.destinationFor(source);
                IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), tls.transport())) {
            Migration in = migrator.incoming(destination, endpoint, tls);
            Migration out = migrator.migrate(source, endpoint.address(), plain);
            assertThat(out.await(Duration.ofSeconds(30)).status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(in.status())
                    .as("the destination still waits for a TLS peer")
                    .isEqualTo(MigrationStatus.SETUP);
            in.cancel();
        }
    }
}
