package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.htab.internal.HtabPlugin;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.osgi.FelixExtension;
import io.ferry.testkit.osgi.GogoSession;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A plugin bundle deleted from deploy/ while its device is attached: the device stays, but no
 * later migration of that machine completes without the device's state; each fails naming the
 * missing plugin. A copy of the plugin deployed again cannot drive the old device either: only a
 * device attached through the returned plugin migrates.
 */
class PluginRemovalIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path DEPLOY = tempDir();

    @RegisterExtension
    static final FelixExtension FELIX = FelixExtension.withBundlesIn(Path.of(System.getProperty("ferry.osgi.bundles")))
            .property("felix.fileinstall.dir", DEPLOY.toString())
            .property("felix.fileinstall.poll", "100")
            .property("felix.fileinstall.noInitialDelay", "true")
            .property("felix.fileinstall.bundles.new.start", "true")
            .property("felix.fileinstall.filter", ".*\\.jar")
            .property("felix.fileinstall.log.level", "1");

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("ferry-deploy");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitPlugins(boolean htab) throws InterruptedException {
        Await.until(
                WAIT,
                () -> {
                    try {
                        String plugins = FELIX.gogo().run("ferry:plugins");
                        return plugins.contains("ram ") && plugins.contains("htab") == htab;
                    } catch (Exception e) {
                        return false;
                    }
                },
                "ferry:plugins to " + (htab ? "list" : "no longer list") + " htab");
    }

    @Test
    void aMachineWhosePluginWasDeletedFailsToMigrateNamingThePlugin() throws Exception {
        GogoSession gogo = FELIX.gogo();
        Path jar = DEPLOY.resolve("ferry-htab-plugin.jar");
        Files.copy(Path.of(System.getProperty("ferry.osgi.dropin"), "ferry-htab-plugin.jar"), jar);
        awaitPlugins(true);
        gogo.run("ferry:machine --ram 32M --devices htab --rate 0");

        Files.delete(jar);
        awaitPlugins(false);

        try (Destination dest = new Destination()) {
            String out = gogo.run("ferry:migrate -w " + dest.uri);
            assertThat(out)
                    .contains("source migration: FAILED")
                    .contains("device htab0 needs plugin 'htab', which is not registered");
            assertThat(gogo.run("ferry:machine")).contains("machine local: RUNNING");
        }

        Files.copy(Path.of(System.getProperty("ferry.osgi.dropin"), "ferry-htab-plugin.jar"), jar);
        awaitPlugins(true);
        try (Destination dest = new Destination()) { // the bundle is back, but the device is the old code's
            assertThat(gogo.run("ferry:migrate -w " + dest.uri))
                    .contains("source migration: FAILED")
                    .contains("device htab0 was attached by plugin 'htab' code that has since left");
        }
        gogo.run("ferry:machine --ram 32M --devices htab --rate 0"); // a device of the returned plugin
        try (Destination dest = new Destination()) {
            new HtabPlugin().deviceModels().get(0).attachToDestination(dest.machine);
            String out = gogo.run("ferry:migrate -w " + dest.uri);
            assertThat(out).contains("source migration: COMPLETED");
            dest.migration.await(WAIT);
            assertThat(dest.migration.status()).isEqualTo(MigrationStatus.COMPLETED);
        }
    }

    /** A plain-Java destination with the ram and htab plugins, listening on a free loopback port. */
    private static final class Destination implements AutoCloseable {
        final Machine machine = Machine.incoming("plain-java-destination", GuestMemory.of(32L << 20));
        final Migration migration;
        final MigrationUri uri;

        Destination() throws IOException {
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
            uri = endpoint.address();
            migration = new Migrator(PluginRegistry.of(new RamPlugin(), new HtabPlugin()))
                    .incoming(machine, endpoint, MigrationParameters.defaults());
        }

        @Override
        public void close() {
            migration.cancel();
            machine.close();
        }
    }
}
