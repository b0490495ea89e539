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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The component outside OSGi: what its deactivation (a framework bundle stopping) leaves behind. */
class MigrationServiceComponentTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

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
        component.addPlugin(ram);
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
        component.addPlugin(its);
        assertThat(plugins.snapshot()).containsExactly(its, ram);
        component.removePlugin(ram);
        assertThat(plugins.snapshot()).containsExactly(its);
        assertThat(component.migrator().registry().snapshot()).containsExactly(its);
        assertThat(left).containsExactly(ram);
    }
}
