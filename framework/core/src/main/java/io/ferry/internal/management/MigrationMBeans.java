package io.ferry.internal.management;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The MXBeans of one {@link io.ferry.migration.Migrator}'s migrations: each is registered in the
 * platform MBean server under {@code io.ferry:type=Migration,machine=NAME,id=N} when it starts,
 * and kept current. A machine's finished migration stays registered (to read its final figures)
 * until the next migration of a machine of that name registers (through any Migrator), or until
 * {@link #close()}. The next id is one more than the highest registered in this process, so no
 * static state is needed (and once every bean is gone, ids start again from 1).
 *
 * <p>Only the names registered here are unregistered by {@link #close()}, never the beans of another
 * Migrator or of another Ferry framework in the same process.
 */
public final class MigrationMBeans {
    public static final String DOMAIN = "io.ferry";
    private static final System.Logger LOG = System.getLogger(MigrationMBeans.class.getName());

    private final MBeanServer server;
    /** Registered here and not unregistered since, by anyone: each bean forgets itself when it goes. */
    private final Set<ObjectName> registered = ConcurrentHashMap.newKeySet();
    /** Guarded by {@code server}'s monitor, as every registration is. */
    private boolean closed;

    public MigrationMBeans() {
        this(ManagementFactory.getPlatformMBeanServer());
    }

    MigrationMBeans(MBeanServer server) {
        this.server = server;
    }

    /** The listener to add to a migration of {@code machine} before it starts. */
    public MigrationListener listener(String machine) {
        return new Registration(machine);
    }

    /**
     * Unregisters every bean registered here that is still registered, a running migration's too
     * (its later updates then show nowhere), and registers none after. JMX trouble is logged.
     */
    public void close() {
        synchronized (server) {
            closed = true;
            for (ObjectName name : List.copyOf(registered)) {
                unregister(name);
            }
        }
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

    /**
     * Registers the bean under the next id and retires the machine's finished ones; JMX trouble
     * never fails a migration. Null once closed, or on trouble.
     */
    private MigrationBean register(Migration migration, String machine) {
        synchronized (server) { // one registry per process: no two beans registered at once share an id
            if (closed) {
                return null;
            }
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
                ObjectName name = name(machine, id);
                MigrationBean b = new MigrationBean(id, machine, migration, () -> registered.remove(name));
                server.registerMBean(b, name);
                registered.add(name);
                return b;
            } catch (JMException | RuntimeException e) {
                LOG.log(Level.WARNING, "migration of " + machine + " not registered in JMX", e);
                return null;
            }
        }
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            registered.remove(name); // gone already
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, name + " could not be unregistered from JMX", e);
        }
    }

    private boolean isTerminal(ObjectName name) throws JMException {
        return MigrationStatus.valueOf((String) server.getAttribute(name, "Status"))
                .isTerminal();
    }

    /** One migration's listener: registers its bean at the first event and keeps it current. */
    private final class Registration implements MigrationListener {
        private final String machine;
        private MigrationBean bean;

        Registration(String machine) {
            this.machine = machine;
        }

        @Override
        public void statusChanged(Migration migration, MigrationStatus from, MigrationStatus to) {
            MigrationBean b;
            synchronized (this) {
                if (bean == null) {
                    bean = register(migration, machine);
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
    }
}
