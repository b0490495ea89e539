package io.ferry.internal.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.InMemoryTransport;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.management.AttributeChangeNotification;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.Test;

/** Migrations read through the platform MBean server, as jconsole would. */
class MigrationMBeansTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void eachMigrationIsAnMXBeanWithFiguresPassesAndStatusNotifications() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        InMemoryTransport pipes = InMemoryTransport.open();
        Migrator migrator = new Migrator(new PluginRegistry());
        try (Machine source = Machine.create("src-" + suffix, GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dst-" + suffix, GuestMemory.of(1 << 20))) {
            MemoryFill.random(source.memory(), 1, 0.3);
            source.start();
            Migration in = migrator.incoming(dest, pipes.destinationEnd(), MigrationParameters.defaults());
            ObjectName destName = awaitOne("dst-" + suffix);
            BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
            server.addNotificationListener(destName, (n, handback) -> received.add(n), null, null);

            Migration out = migrator.migrate(source, pipes.sourceEnd(), MigrationParameters.defaults());
            out.await(WAIT);
            in.await(WAIT);

            ObjectName srcName = awaitOne("src-" + suffix);
            assertThat(srcName.getKeyProperty("type")).isEqualTo("Migration");
            assertThat(Long.parseLong(srcName.getKeyProperty("id")))
                    .isGreaterThan(Long.parseLong(destName.getKeyProperty("id")));
            assertThat(server.getAttribute(srcName, "Status")).isEqualTo("COMPLETED");
            assertThat(server.getAttribute(srcName, "Side")).isEqualTo("SOURCE");
            assertThat((long) server.getAttribute(srcName, "TransferredBytes"))
                    .isEqualTo(out.figures().transferredBytes())
                    .isPositive();
            assertThat(server.getAttribute(srcName, "Iterations"))
                    .isEqualTo(out.figures().iterations());
            CompositeData[] passes = (CompositeData[]) server.getAttribute(srcName, "Passes");
            assertThat(passes).isNotEmpty();
            assertThat(passes[0].get("pass")).isEqualTo(0);
            TabularData figures = (TabularData) server.getAttribute(srcName, "Figures");
            assertThat(figures.get(new Object[] {"transferredBytes"}).get("value"))
                    .isEqualTo(Long.toString(out.figures().transferredBytes()));
            assertThat(server.getAttribute(destName, "Status")).isEqualTo("COMPLETED");
            assertThat(server.getAttribute(destName, "Failure")).isEqualTo("");

            List<String> changes = statusChanges(received, MigrationStatus.COMPLETED.name());
            assertThat(changes).contains("ACTIVE").endsWith("COMPLETED");
        } finally {
            pipes.sourceEnd().close();
        }
    }

    @Test
    void aMachinesNextMigrationRetiresItsFinishedOne() throws Exception {
        String name = "again-" + UUID.randomUUID().toString().substring(0, 8);
        try (Machine source = Machine.create(name, GuestMemory.of(1 << 20))) {
            long first = snapshotOnce(source);
            long second = snapshotOnce(source);
            Set<ObjectName> names = server.queryNames(
                    new ObjectName("io.ferry:type=Migration,machine=" + ObjectName.quote(name) + ",*"), null);
            assertThat(names)
                    .extracting(n -> Long.parseLong(n.getKeyProperty("id")))
                    .containsExactly(second);
            assertThat(second).isGreaterThan(first);
        }
    }

    @Test
    void aClosedMigratorsBeansGoRunningOnesTooWhileAnotherMigratorsStay() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        InMemoryTransport pipes = InMemoryTransport.open();
        InMemoryTransport silent = InMemoryTransport.open();
        Migrator closing = new Migrator(new PluginRegistry());
        Migrator staying = new Migrator(new PluginRegistry());
        try (Machine source = Machine.create("closed-src-" + suffix, GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("staying-dst-" + suffix, GuestMemory.of(1 << 20));
                Machine waiting = Machine.incoming("closed-waiting-" + suffix, GuestMemory.of(1 << 20))) {
            source.start();
            Migration in = staying.incoming(dest, pipes.destinationEnd(), MigrationParameters.defaults());
            closing.migrate(source, pipes.sourceEnd(), MigrationParameters.defaults())
                    .await(WAIT);
            in.await(WAIT);
            Migration running = closing.incoming(waiting, silent.destinationEnd(), MigrationParameters.defaults());
            awaitOne(source.name());
            ObjectName waitingName = awaitOne(waiting.name());
            ObjectName stayingName = awaitOne(dest.name());

            closing.close();

            assertThat(server.queryNames(pattern(source.name()), null)).isEmpty();
            assertThat(server.isRegistered(waitingName)).isFalse();
            assertThat(server.isRegistered(stayingName)).isTrue();
            running.cancel(); // its later updates show nowhere
            running.await(WAIT);
            assertThat(running.status().isTerminal()).isTrue();
            assertThat(server.queryNames(pattern(waiting.name()), null)).isEmpty();
        } finally {
            pipes.sourceEnd().close();
            silent.sourceEnd().close();
            staying.close();
        }
    }

    /** A migration to an in-memory destination that nobody reads fails or completes: either way it registers. */
    private long snapshotOnce(Machine source) throws Exception {
        InMemoryTransport pipes = InMemoryTransport.open();
        try (Machine dest = Machine.incoming(source.name() + "-dest", GuestMemory.of(1 << 20))) {
            Migrator migrator = new Migrator(new PluginRegistry());
            Migration in = migrator.incoming(dest, pipes.destinationEnd(), MigrationParameters.defaults());
            Migration out = migrator.migrate(source, pipes.sourceEnd(), MigrationParameters.defaults());
            out.await(WAIT);
            in.await(WAIT);
            source.changeRunState(io.ferry.machine.RunState.RUNNING);
            return Long.parseLong(awaitOne(source.name()).getKeyProperty("id"));
        } finally {
            pipes.sourceEnd().close();
        }
    }

    private static ObjectName pattern(String machine) throws Exception {
        return new ObjectName("io.ferry:type=Migration,machine=" + ObjectName.quote(machine) + ",*");
    }

    private ObjectName awaitOne(String machine) throws Exception {
        ObjectName pattern = pattern(machine);
        await(() -> server.queryNames(pattern, null).size() == 1, "one MXBean for " + machine);
        return server.queryNames(pattern, null).iterator().next();
    }

    private static List<String> statusChanges(BlockingQueue<Notification> received, String last)
            throws InterruptedException {
        List<String> changes = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!changes.contains(last) && System.nanoTime() < deadline) {
            Notification n = received.poll(100, TimeUnit.MILLISECONDS);
            if (n instanceof AttributeChangeNotification c
                    && c.getAttributeName().equals("Status")) {
                changes.add((String) c.getNewValue());
            }
        }
        return changes;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + WAIT);
            }
            Thread.sleep(10);
        }
    }
}
