package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.transport.TestCertificateAuthority;
import io.ferry.transport.TransportOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS warm-up: its rounds run over TLS with one host's credentials on both ends, and complete. */
class TlsWarmUpTest {
    @TempDir
    Path tmp;

    /** A host's credentials, issued by a CA of its own. */
    private Path hostCredentials() throws Exception {
        return TestCertificateAuthority.create(tmp.resolve("ca"), "CN=warm CA", 1)
                .issue(tmp.resolve("host"), "CN=host,O=Ferry", 1);
    }

    @Test
    void aWarmUpWithCredentialsMigratesOverTlsAndCompletes() throws Exception {
        Path creds = hostCredentials();
        TransportOptions tls = MigrationParameters.defaults()
                .with("tls-creds", creds.toString())
                .with("tls-authz", "CN=peer,O=Ferry")
                .transport();
        Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));
        CompletableFuture<Duration> warmUp = migrator.warmUp(tls);
        assertThat(migrator.warmUp(tls)).isSameAs(warmUp);
        assertThat(warmUp.get(3, TimeUnit.MINUTES)).isPositive();
        assertThat(migrator.warmUp()).isNotSameAs(warmUp);
    }

    /** Credentials that are not there yet fail the warm-up; once they are, the next call warms up. */
    @Test
    void aFailedWarmUpIsTriedAgainOnTheNextCall() throws Exception {
        Path creds = tmp.resolve("later");
        TransportOptions tls = MigrationParameters.defaults()
                .with("tls-creds", creds.toString())
                .transport();
        Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));
        CompletableFuture<Duration> first = migrator.warmUp(tls);
        assertThat(first).failsWithin(Duration.ofMinutes(1));
        TestCertificateAuthority.create(tmp.resolve("ca"), "CN=warm CA", 1).issue(creds, "CN=host,O=Ferry", 1);
        CompletableFuture<Duration> second = migrator.warmUp(tls);
        assertThat(second).isNotSameAs(first);
        assertThat(second.get(3, TimeUnit.MINUTES)).isPositive();
    }

    /** The TLS rounds start once the plain warm-up has ended, so the two never compete for the cores and the JIT. */
    @Test
    void theTlsRoundsStartAfterThePlainWarmUpEnded() throws Exception {
        TransportOptions tls = MigrationParameters.defaults()
                .with("tls-creds", hostCredentials().toString())
                .transport();
        Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));
        CompletableFuture<Long> tlsEnded = migrator.warmUp(tls).thenApply(d -> System.nanoTime());
        CompletableFuture<Long> plainEnded = migrator.warmUp().thenApply(d -> System.nanoTime());
        Duration tlsTook = migrator.warmUp(tls).get(3, TimeUnit.MINUTES);
        long tlsStarted = tlsEnded.get(1, TimeUnit.MINUTES) - tlsTook.toNanos();
        assertThat(plainEnded.get(1, TimeUnit.MINUTES))
                .as("the plain warm-up ended before the TLS rounds started")
                .isLessThanOrEqualTo(tlsStarted);
    }
}
