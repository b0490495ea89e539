package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.htab.internal.HtabPlugin;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
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
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * Ferry inside a real embedded Felix: the framework, SCR, Gogo, fileinstall and the ram, its and
 * vhost-net plugin bundles. Migrations go over loopback TCP to a destination in plain Java on
 * the test's class path: the same plugin jars, found through ServiceLoader-free registries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OsgiPluginsIT {
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

    private static GogoSession gogo() throws Exception {
        return FELIX.gogo();
    }

    private static void awaitOutput(String command, String expected) throws InterruptedException {
        Await.until(
                WAIT,
                () -> {
                    try {
                        return gogo().run(command).contains(expected);
                    } catch (Exception e) {
                        return false;
                    }
                },
                "'" + command + "' to show '" + expected + "'");
    }

    @Test
    @Order(1)
    void pluginsAreDiscoveredAsServicesOfTheirBundles() throws Exception {
        awaitOutput("ferry:plugins", "vhost-net");
        assertThat(FELIX.services("io.ferry.pipeline.MigrationPlugin")).hasSize(3);
        String plugins = gogo().run("ferry:plugins");
        assertThat(plugins)
                .containsPattern("ram +ferry-ram-plugin ")
                .containsPattern("its +ferry-its-plugin .*devices \\[its\\]")
                .containsPattern("vhost-net +ferry-vhost-net-plugin .*devices \\[vhost-net\\]")
                .doesNotContain("htab");
    }

    @Test
    @Order(2)
    void handlersShowEveryStageInPriorityOrderWithPluginAndBundle() throws Exception {
        gogo().run("ferry:machine --ram 32M --devices its,vhost-net --rate 0");
        String table = gogo().run("ferry:handlers");
        assertThat(table)
                .containsPattern("COMPLETE +1000 +BEFORE_RAM +its.flush +its +ferry-its-plugin \\S+ +no chunk")
                .containsPattern("COMPLETE +0 +RAM +ram.final +ram +ferry-ram-plugin \\S+ +ram/0 v1")
                .containsPattern("DIRTY_SYNC +0 +RAM +ram.sync") // vhost-net's log is registered, merged by the engine
                .containsPattern("LOAD_COMPLETE +-1000 +AFTER_RAM +its.restore");
        assertThat(table.indexOf("its.flush")).isLessThan(table.indexOf("its.registers"));
        assertThat(table.indexOf("its.registers")).isLessThan(table.indexOf("vhost-net.stop"));
        assertThat(table.indexOf("vhost-net.stop")).isLessThan(table.indexOf("ram.final"));
    }

    @Test
    @Order(3)
    void commandsReturnWhatTheyShouldAndFailInOneLine() throws Exception {
        assertThat(gogo().run("ferry:set-parameter downtime-limit 120")).containsPattern("downtime-limit +120 ms");
        assertThat(gogo().run("ferry:parameters"))
                .containsPattern("downtime-limit +120 ms")
                .containsPattern("max-bandwidth +unlimited");
        assertThatThrownBy(() -> gogo().run("ferry:set-parameter bogus 1"))
                .hasMessageContaining("IllegalArgumentException: unknown parameter 'bogus'");
        assertThatThrownBy(() -> gogo().run("ferry:machine --ram lots")).hasMessageContaining("'lots' is not a size");
        assertThatThrownBy(() -> gogo().run("ferry:incoming tcp:127.0.0.1:0"))
                .hasMessageContaining("no incoming machine: create one with ferry:machine --incoming");

        assertThat(gogo().run("ferry:machine --ram 16M --rate 0"))
                .contains("machine local: RUNNING, 16.0 MiB guest RAM");
        String before = gogo().run("ferry:verify");
        assertThat(before).containsPattern("ram +[0-9a-f]{64}").containsPattern("state +[0-9a-f]{64}");
        Path snapshot = Files.createTempDirectory("ferry-snapshot").resolve("local.ferry");
        assertThat(gogo().run("ferry:snapshot file:" + snapshot))
                .contains("saved 16.0 MiB")
                .contains("machine RUNNING");
        assertThat(gogo().run("ferry:info")).contains("source migration: COMPLETED");

        gogo().run("ferry:machine --incoming --ram 16M");
        gogo().run("ferry:set-parameter run-on-destination false");
        assertThat(gogo().run("ferry:restore file:" + snapshot))
                .contains("restored 16.0 MiB")
                .contains("machine PAUSED");
        String after = gogo().run("ferry:verify");
        assertThat(ramLine(after)).isEqualTo(ramLine(before));
        assertThat(gogo().run("ferry:cont")).contains("RUNNING");
        gogo().run("ferry:set-parameter run-on-destination true");
        gogo().run("ferry:set-parameter downtime-limit 300");
    }

    @Test
    @Order(6)
    void commandsReturnDataObjectsThatScriptsCanRead() throws Exception {
        Object machine = gogo().execute("ferry:machine --ram 16M --devices its --rate 0 --seed 3");
        assertThat(machine.getClass().getSimpleName()).isEqualTo("MachineInfo");
        assertThat(component(machine, "ramBytes")).isEqualTo(16L << 20);
        assertThat(component(machine, "runState").toString()).isEqualTo("RUNNING");
        assertThat((List<?>) component(machine, "devices")).hasSize(1);
        Object table = gogo().execute("ferry:handlers");
        List<?> rows = (List<?>) component(table, "rows");
        assertThat(rows).extracting(r -> component(r, "handler")).contains("its.flush", "ram.final");
        assertThat(gogo().run("(ferry:machine) ramBytes")).isEqualTo("16777216");
    }

    /** A record component of an object from a bundle's class loader. */
    private static Object component(Object record, String name) {
        try {
            return record.getClass().getMethod(name).invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no component " + name + " on " + record.getClass(), e);
        }
    }

    private static String ramLine(String verify) {
        return verify.lines().filter(l -> l.startsWith("ram ")).findFirst().orElseThrow();
    }

    @Test
    @Order(4)
    void aPluginBundleStoppedMidMigrationFailsItCleanlyAndNotTheFramework() throws Exception {
        Bundle ram = FELIX.bundle("ferry-ram-plugin");
        try (Destination dest = new Destination(64L << 20, PluginRegistry.of(new RamPlugin()))) {
            gogo().run("ferry:machine --ram 64M --rate 1000");
            gogo().run("ferry:set-parameter max-bandwidth 8M"); // 64 MiB at 8 MiB/s: several seconds to act in
            gogo().run("ferry:migrate " + dest.uri);
            awaitOutput("ferry:info", "source migration: ACTIVE");

            ram.stop();

            awaitOutput("ferry:info", "source migration: FAILED");
            assertThat(gogo().run("ferry:info")).contains("plugin ram left during the migration");
            assertThat(gogo().run("ferry:machine")).contains("machine local: RUNNING");
            dest.migration.await(WAIT);
            assertThat(dest.migration.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(dest.machine.runState()).isEqualTo(RunState.INMIGRATE);
        } finally {
            ram.start();
            gogo().run("ferry:set-parameter max-bandwidth 0");
        }
        assertThat(FELIX.framework().getState()).isEqualTo(Bundle.ACTIVE);
        awaitOutput("ferry:plugins", "ferry-ram-plugin");
        try (Destination dest = new Destination(64L << 20, PluginRegistry.of(new RamPlugin()))) {
            String out = gogo().run("ferry:migrate -w " + dest.uri);
            assertThat(out).contains("source migration: COMPLETED").containsPattern("\\[[#.]+\\] pass 1 ");
            dest.migration.await(WAIT);
            assertThat(dest.migration.status()).isEqualTo(MigrationStatus.COMPLETED);
        }
        // the framework bundle registered the shell's migration in JMX, as it does in plain Java
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> local = jmx.queryNames(new ObjectName("io.ferry:type=Migration,machine=\"local\",*"), null);
        assertThat(local).hasSize(1);
        ObjectName name = local.iterator().next();
        assertThat(jmx.getAttribute(name, "Status")).isEqualTo("COMPLETED");
        assertThat(jmx.getAttribute(name, "Side")).isEqualTo("SOURCE");
        assertThat((long) jmx.getAttribute(name, "TransferredBytes")).isPositive();
    }

    @Test
    @Order(5)
    void aBundleDroppedIntoDeployJoinsTheNextMigrationAndLeavesWhenDeleted() throws Exception {
        Path jar = DEPLOY.resolve("ferry-htab-plugin.jar");
        Files.copy(Path.of(System.getProperty("ferry.osgi.dropin"), "ferry-htab-plugin.jar"), jar);
        awaitOutput("ferry:plugins", "htab");
        gogo().run("ferry:machine --ram 32M --devices htab --rate 0");
        assertThat(gogo().run("ferry:handlers")).contains("htab.iterate");

        PluginRegistry destPlugins = PluginRegistry.of(new RamPlugin(), new HtabPlugin());
        try (Destination dest = new Destination(32L << 20, destPlugins)) {
            new HtabPlugin().deviceModels().get(0).attachToDestination(dest.machine);
            String out = gogo().run("ferry:migrate -w " + dest.uri);
            assertThat(out)
                    .contains("source migration: COMPLETED")
                    .contains("plugins:            [htab, its, ram, vhost-net]");
            dest.migration.await(WAIT);
            assertThat(dest.migration.status()).isEqualTo(MigrationStatus.COMPLETED);
        }

        Files.delete(jar);
        Await.until(
                WAIT,
                () -> {
                    try {
                        return !gogo().run("ferry:plugins").contains("htab");
                    } catch (Exception e) {
                        return false;
                    }
                },
                "the htab plugin to leave once its jar is deleted");
    }

    @Test
    @Order(7)
    void theFrameworkBundleStoppedTakesItsMXBeansAlongButNotThoseOfAMigratorOutsideIt() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName local = new ObjectName("io.ferry:type=Migration,machine=\"local\",*");
        ObjectName outside = new ObjectName("io.ferry:type=Migration,machine=\"plain-java-destination\",*");
        gogo().run("ferry:machine --ram 32M --rate 0");
        try (Destination dest = new Destination(32L << 20, PluginRegistry.of(new RamPlugin()))) {
            assertThat(gogo().run("ferry:migrate -w " + dest.uri)).contains("source migration: COMPLETED");
            dest.migration.await(WAIT);
        }
        assertThat(jmx.queryNames(local, null)).hasSize(1);
        Bundle framework = FELIX.bundle("ferry-framework");

        framework.stop();
        try {
            assertThat(jmx.queryNames(local, null)).isEmpty(); // the bundle's stale beans held its class loader
            assertThat(jmx.queryNames(outside, null)).hasSize(1);
        } finally {
            framework.start();
        }
        awaitOutput("ferry:plugins", "ferry-ram-plugin");
    }

    /**
     * A second "ram" plugin service, ranked above the one SCR made of the ram bundle's component:
     * it is in use for the migrations that start afterwards and the first is held back; a changed
     * ranking below the first gives the place back; unregistered, it leaves the first alone in use.
     */
    @Test
    @Order(8)
    void ofTwoPluginServicesOfANameTheOneOfHigherRankingIsInUse() throws Exception {
        awaitOutput("ferry:plugins", "ferry-ram-plugin");
        Bundle ram = FELIX.bundle("ferry-ram-plugin");
        Object component = pluginsInUse("ram").get(0);
        Object ranked =
                ram.loadClass(RamPlugin.class.getName()).getConstructor().newInstance();

        ServiceRegistration<?> registration =
                ram.getBundleContext().registerService(MIGRATION_PLUGIN, ranked, ranking(10));
        try {
            awaitInUse(ranked);
            assertThat(pluginsInUse("ram")).containsExactly(ranked);
            assertThat(registryList("heldBack")).containsExactly(component);
            assertThat(gogo().run("ferry:plugins"))
                    .containsPattern("ram +ferry-ram-plugin +\\S+ +in use")
                    .containsPattern("ram +ferry-ram-plugin +\\S+ +held back");

            registration.setProperties(ranking(-10));
            awaitInUse(component);
            assertThat(registryList("heldBack")).containsExactly(ranked);
        } finally {
            registration.unregister();
        }
        awaitInUse(component);
        assertThat(registryList("heldBack")).isEmpty();
    }

    private static final String MIGRATION_PLUGIN = "io.ferry.pipeline.MigrationPlugin";

    private static Dictionary<String, Object> ranking(int ranking) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_RANKING, ranking);
        return properties;
    }

    private static void awaitInUse(Object plugin) throws InterruptedException {
        Await.until(WAIT, () -> pluginsInUse("ram").stream().anyMatch(p -> p == plugin), "the plugin in use");
    }

    /** The plugins named {@code name} in the framework's registry's snapshot (objects of the bundles' class space). */
    private static List<Object> pluginsInUse(String name) {
        try {
            Method nameOf =
                    FELIX.bundle("ferry-framework").loadClass(MIGRATION_PLUGIN).getMethod("name");
            List<Object> named = new java.util.ArrayList<>();
            for (Object p : registryList("snapshot")) {
                if (name.equals(nameOf.invoke(p))) {
                    named.add(p);
                }
            }
            return named;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("could not read the registry's plugins", e);
        }
    }

    /** {@code PluginRegistry.<method>()} of the framework bundle's {@code MigrationService}, by reflection. */
    private static List<Object> registryList(String method) {
        BundleContext context = FELIX.context();
        // All references: the test's own class of the name (on its class path) is not the bundle's.
        List<ServiceReference<?>> references;
        try {
            references = FELIX.services("io.ferry.migration.MigrationService");
        } catch (Exception e) {
            throw new AssertionError("could not look up the MigrationService", e);
        }
        assertThat(references).as("the MigrationService").hasSize(1);
        ServiceReference<?> reference = references.get(0);
        Object service = context.getService(reference);
        try {
            Class<?> api = FELIX.bundle("ferry-framework").loadClass("io.ferry.migration.MigrationService");
            Object registry = api.getMethod("plugins").invoke(service);
            return List.copyOf((List<?>) registry.getClass().getMethod(method).invoke(registry));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("could not call PluginRegistry." + method + "()", e);
        } finally {
            context.ungetService(reference);
        }
    }

    /** A destination in plain Java on the test's class path, listening on a free loopback port. */
    private static final class Destination implements AutoCloseable {
        final Machine machine;
        final Migration migration;
        final MigrationUri uri;

        Destination(long ram, PluginRegistry plugins) throws IOException {
            machine = Machine.incoming("plain-java-destination", GuestMemory.of(ram));
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
            uri = endpoint.address();
            migration = new Migrator(plugins).incoming(machine, endpoint, MigrationParameters.defaults());
        }

        @Override
        public void close() {
            migration.cancel();
            machine.close();
        }
    }
}
