package io.ferry.internal.osgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.InMemoryTransport;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

/** The component outside OSGi: how it orders plugin services, and what its deactivation (a framework bundle stopping) leaves behind. */
class MigrationServiceComponentTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    /** Of two plugin services of a name, OSGi's order decides: the higher ranking, then the lower id. */
    @Test
    void theHighestRankedPluginServiceOfANameIsInUseThenTheLowestServiceId() {
        MigrationServiceComponent component = new MigrationServiceComponent();
        MigrationPlugin byId = () -> "dup";
        MigrationPlugin byRanking = () -> "dup";
        MigrationPlugin notAnInteger = () -> "dup";

        component.addPlugin(byId, Map.of(Constants.SERVICE_ID, 40L));
        component.addPlugin(notAnInteger, Map.of(Constants.SERVICE_ID, 30L, Constants.SERVICE_RANKING, "7"));
        assertThat(component.plugins().snapshot())
                .as("a ranking that is no Integer counts as 0, as OSGi reads it")
                .containsExactly(notAnInteger);
        component.addPlugin(byRanking, Map.of(Constants.SERVICE_ID, 50L, Constants.SERVICE_RANKING, 1));
        assertThat(component.plugins().snapshot()).containsExactly(byRanking);

        component.updatedPlugin(byRanking, Map.of(Constants.SERVICE_ID, 50L, Constants.SERVICE_RANKING, -1));
        assertThat(component.plugins().snapshot()).containsExactly(notAnInteger);
        component.removePlugin(notAnInteger, Map.of(Constants.SERVICE_ID, 30L));
        assertThat(component.plugins().snapshot()).containsExactly(byId);
        assertThat(component.plugins().heldBack()).containsExactly(byRanking);
    }

    @Test
    void aPluginServiceWithoutAServiceIdIsRefusedNamingTheProperty() {
        MigrationServiceComponent component = new MigrationServiceComponent();

        assertThatThrownBy(() -> component.addPlugin(() -> "odd", Map.of(Constants.SERVICE_RANKING, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without a Long service.id");
        assertThat(component.plugins().snapshot()).isEmpty();
    }

    @Test
    void deactivationUnregistersTheMXBeansOfItsMigrations() throws Exception {
        MigrationServiceComponent component = new MigrationServiceComponent();
        InMemoryTransport pipes = InMemoryTransport.open();
        String name = "component-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectName pattern = new ObjectName("io.ferry:type=Migration,machine=" + ObjectName.quote(name) + ",*");
        try (Machine waiting = Machine.incoming(name, GuestMemory.of(1 << 20))) {
            Migration in =
                    component.migrator().incoming(waiting, pipes.destinationEnd(), MigrationParameters.defaults());
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (server.queryNames(pattern, null).isEmpty()) {
                assertThat(System.nanoTime()).as("the MXBean of " + name).isLessThan(deadline);
                Thread.sleep(10);
            }

            component.deactivate();

            assertThat(server.queryNames(pattern, null)).isEmpty();
            in.cancel();
            in.await(WAIT);
        } finally {
            pipes.sourceEnd().close();
        }
    }

    /** Plugins come and go as OSGi services only: what the service hands out reads them, live, and changes nothing. */
    @Test
    void pluginsIsAReadOnlyViewThatFollowsThePluginServices() {
        MigrationServiceComponent component = new MigrationServiceComponent();
        MigrationPlugin ram = () -> "ram";
        MigrationPlugin its = () -> "its";
        component.addPlugin(ram, Map.of(Constants.SERVICE_ID, 1L));
        PluginRegistry plugins = component.plugins();

        assertThatThrownBy(() -> plugins.add(its))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("read-only");
        assertThatThrownBy(() -> plugins.remove(ram)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> plugins.removeAtShutdown(ram)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> component.migrator().registry().add(its))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(plugins.snapshot()).containsExactly(ram);

        List<MigrationPlugin> left = new CopyOnWriteArrayList<>();
        plugins.addListener(left::add); // as a migration listens: through the view
        component.addPlugin(its, Map.of(Constants.SERVICE_ID, 2L));
        assertThat(plugins.snapshot()).containsExactly(its, ram);
        component.removePlugin(ram, Map.of(Constants.SERVICE_ID, 1L));
        assertThat(plugins.snapshot()).containsExactly(its);
        assertThat(component.migrator().registry().snapshot()).containsExactly(its);
        assertThat(left).containsExactly(ram);
    }
}
