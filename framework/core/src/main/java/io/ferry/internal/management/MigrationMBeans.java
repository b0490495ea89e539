package io.ferry.internal.management;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Hashtable;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Registers one migration as an MXBean in the platform MBean server under
 * {@code io.ferry:type=Migration,machine=NAME,id=N} when it starts, and keeps it current. A
 * machine's finished migration stays registered (to read its final figures) until the next
 * migration of a machine of that name registers. Ids grow by one per registration in this
 * process: the highest registered id is the counter, so no static state is needed.
 */
public final class MigrationMBeans implements MigrationListener {
    public static final String DOMAIN = "io.ferry";
    private static final System.Logger LOG = System.getLogger(MigrationMBeans.class.getName());

    private final MBeanServer server;
    private final String machine;
    private MigrationBean bean;

    private MigrationMBeans(MBeanServer server, String machine) {
        this.server = server;
        this.machine = machine;
    }

    /** The listener to add to a migration of {@code machine} before it starts. */
    public static MigrationListener listener(String machine) {
        return new MigrationMBeans(ManagementFactory.getPlatformMBeanServer(), machine);
    }

    /** The name of migration {@code id} of {@code machine}. */
    public static ObjectName name(String machine, long id) {
        Hashtable<String, String> keys = new Hashtable<>();
        keys.put("type", "Migration");
        keys.put("machine", ObjectName.quote(machine));
        keys.put("id", Long.toString(id));
        try {
            return new ObjectName(DOMAIN, keys);
        } catch (JMException e) {
            throw new IllegalArgumentException("no valid ObjectName for machine " + machine, e);
        }
    }

    @Override
    public void statusChanged(Migration migration, MigrationStatus from, MigrationStatus to) {
        MigrationBean b;
        synchronized (this) {
            if (bean == null) {
                bean = register(migration);
            }
            b = bean;
        }
        if (b != null) {
            b.statusChanged(migration, from, to);
        }
    }

    @Override
    public void passCompleted(Migration migration, PassProgress progress) {
        MigrationBean b;
        synchronized (this) {
            b = bean;
        }
        if (b != null) {
            b.passCompleted(progress);
        }
    }

    /** Registers the bean under the next id and retires the machine's finished ones; JMX trouble never fails a migration. */
    private MigrationBean register(Migration migration) {
        synchronized (server) { // one registry per process: ids stay unique across Migrators
            try {
                long id = 1
                        + server.queryNames(new ObjectName(DOMAIN + ":type=Migration,*"), null).stream()
                                .mapToLong(n -> Long.parseLong(n.getKeyProperty("id")))
                                .max()
                                .orElse(0);
                for (ObjectName old : server.queryNames(
                        new ObjectName(DOMAIN + ":type=Migration,machine=" + ObjectName.quote(machine) + ",*"), null)) {
                    if (isTerminal(old)) {
                        server.unregisterMBean(old);
                    }
                }
                MigrationBean b = new MigrationBean(id, machine, migration);
                server.registerMBean(b, name(machine, id));
                return b;
            } catch (JMException | RuntimeException e) {
                LOG.log(Level.WARNING, "migration of " + machine + " not registered in JMX", e);
                return null;
            }
        }
    }

    private boolean isTerminal(ObjectName name) throws JMException {
        return MigrationStatus.valueOf((String) server.getAttribute(name, "Status"))
                .isTerminal();
    }
}
