package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import io.ferry.machine.DeviceOwner;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The plugins available now. Plugins may come and go at any time (OSGi services do); a
 * migration takes a snapshot ({@link #entriesInUse()}) when it starts and is told through a
 * {@link Listener} if the entry of one of its plugins ends. Each {@link #add} makes an
 * {@link Entry} of its own, so the late word that a plugin left is not mistaken for the departure
 * of the same instance added again meanwhile.
 *
 * <p>One plugin of a name is in use at a time: the first added. Another of the same name (say a
 * second version of a bundle, deployed beside the first) is held back, with a warning, and takes
 * the first one's place, for migrations that start afterwards, when that one leaves.
 */
public final class PluginRegistry {
    private static final Logger LOG = System.getLogger(PluginRegistry.class.getName());

    /** Every add not yet undone by a remove, in arrival order: the first of each name is in use. */
    private final List<Entry> plugins = new CopyOnWriteArrayList<>();
    /**
     * Held by {@link #add} and {@link #remove}, so each knows which plugin of the name was in use
     * before and after its change; {@link #snapshot} reads the list without it.
     */
    private final Object changes = new Object();
    /** The stamp of the next add; guarded by {@link #changes}. */
    private long nextStamp = 1;

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /**
     * Told when a plugin in use leaves the registry. Not told of a held-back plugin that leaves:
     * no migration used it, and one using the plugin in use of that name must go on.
     */
    @ConsumerType
    @FunctionalInterface
    public interface Listener {
        void removed(MigrationPlugin plugin);

        /**
         * The entry {@code ended} of a plugin in use was removed. The word may come late, after
         * the same instance was added again: that add made another entry, with another stamp,
         * which a migration that started with it keeps. This default passes on the plugin alone,
         * to {@link #removed}.
         */
        default void ended(Entry ended) {
            removed(ended.plugin());
        }
    }

    /**
     * One {@link #add} of a plugin, until the {@link #remove} that undoes it. The same instance
     * added again, after it left or while it is here, makes another entry: the stamp, unique in
     * this registry and rising with each add, tells them apart.
     */
    public static final class Entry {
        private final MigrationPlugin plugin;
        private final long stamp;

        Entry(MigrationPlugin plugin, long stamp) {
            this.plugin = plugin;
            this.stamp = stamp;
        }

        public MigrationPlugin plugin() {
            return plugin;
        }

        /** Unique among the entries of one registry: the later the add, the higher. */
        public long stamp() {
            return stamp;
        }

        @Override
        public String toString() {
            return "plugin '" + plugin.name() + "' (add #" + stamp + ")";
        }
    }

    /** An empty registry. */
    public PluginRegistry() {}

    /** A registry of every {@link MigrationPlugin} that {@code loader} finds through {@link ServiceLoader}. */
    public static PluginRegistry fromServiceLoader(ClassLoader loader) {
        PluginRegistry registry = new PluginRegistry();
        ServiceLoader.load(MigrationPlugin.class, loader).forEach(registry::add);
        return registry;
    }

    /** A registry of exactly {@code plugins}. */
    public static PluginRegistry of(MigrationPlugin... plugins) {
        PluginRegistry registry = new PluginRegistry();
        for (MigrationPlugin p : plugins) {
            registry.add(p);
        }
        return registry;
    }

    /**
     * Adds {@code plugin}. If a plugin of its name is in use already, {@code plugin} is held back
     * (a warning names both): migrations go on with the first until it leaves. Added more than
     * once, it stays until removed as often.
     */
    public void add(MigrationPlugin plugin) {
        checkNotNull(plugin, "plugin");
        String name = checkNotNull(plugin.name(), "name of plugin %s", plugin.getClass());
        synchronized (changes) { // logged inside: the messages come in the order of the changes
            MigrationPlugin inUse = pluginOf(inUse(name));
            plugins.add(new Entry(plugin, nextStamp++));
            if (inUse == plugin) {
                LOG.log(
                        Level.WARNING,
                        "plugin '" + name + "' (" + describe(plugin) + ") was added again: it is in use"
                                + " until removed as often as it was added");
            } else if (inUse != null) {
                LOG.log(
                        Level.WARNING,
                        "two plugins are named '" + name + "': " + describe(plugin) + " is ignored while "
                                + describe(inUse)
                                + " is registered; when that one leaves, it takes that one's place for the"
                                + " migrations that start afterwards");
            }
        }
    }

    /**
     * Removes {@code plugin} (this instance; added more than once, its latest entry). If it was
     * in use, tells the listeners (the migrations that use it) which entry ended, and the next
     * plugin of its name held back, if any, takes its place; a held-back one leaves without a word
     * to them. If it has device models, a warning says that
     * machines with its devices cannot migrate until it is back (or, if another class took its
     * place, until they are attached again).
     */
    public boolean remove(MigrationPlugin plugin) {
        return remove(plugin, Level.WARNING);
    }

    /**
     * As {@link #remove}, for a host that is shutting down: every plugin leaves then, none comes
     * back in this process, and a warning for each would be noise, so the departure is logged at
     * {@code DEBUG}. Migrations that use the plugin still fail as with {@link #remove}.
     */
    public boolean removeAtShutdown(MigrationPlugin plugin) {
        return remove(plugin, Level.DEBUG);
    }

    private boolean remove(MigrationPlugin plugin, Level level) {
        boolean hasDevices = !plugin.deviceModels().isEmpty(); // plugin code: not under the lock
        Entry ended;
        boolean wasInUse;
        synchronized (changes) {
            int at = lastIndexOf(plugin);
            if (at < 0) {
                return false;
            }
            Entry before = inUse(plugin.name());
            ended = plugins.remove(at);
            MigrationPlugin after = pluginOf(inUse(plugin.name()));
            wasInUse = before == ended;
            logRemoval(plugin, hasDevices, wasInUse, after, level); // inside: in the order of the changes
        }
        // Told outside the lock, so the word may come after a later add of the same instance: it
        // names the entry that ended, which a migration started with that add does not hold.
        if (wasInUse) { // not a held-back plugin, nor one added more than once and still here: migrations lose it
            listeners.forEach(l -> l.ended(ended));
        }
        return true;
    }

    private static void logRemoval(
            MigrationPlugin plugin, boolean hasDevices, boolean wasInUse, MigrationPlugin after, Level level) {
        String name = plugin.name();
        if (!wasInUse) {
            LOG.log(
                    Level.DEBUG,
                    "plugin '" + name + "' (" + describe(plugin) + ") left; no migration loses it (it was held back"
                            + " or is still registered)");
        } else if (after != null) {
            // Devices are bound to their plugin's class (DeviceOwner): other code cannot take them over.
            boolean devicesStranded = hasDevices && after.getClass() != plugin.getClass();
            LOG.log(
                    devicesStranded || level == Level.DEBUG ? level : Level.INFO,
                    "plugin '" + name + "' (" + describe(plugin) + ") left: " + describe(after)
                            + " is in use in its place for migrations that start from now on"
                            + (devicesStranded
                                    ? "; a machine with a device attached through the one that left cannot migrate"
                                            + " until the device is detached and attached again"
                                    : ""));
        } else if (hasDevices) {
            LOG.log(
                    level,
                    "plugin " + name + " left: a machine with one of its devices cannot migrate"
                            + " until it is back or the device is detached");
        }
    }

    /** The entry of {@code name} in use: the first of that name to arrive that is still here. */
    private Entry inUse(String name) {
        for (Entry e : plugins) {
            if (e.plugin().name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static MigrationPlugin pluginOf(Entry e) {
        return e == null ? null : e.plugin();
    }

    /**
     * The latest entry of {@code plugin}, by identity ({@code equals} of a plugin could make one
     * copy stand for another). The latest, so that an instance added twice and removed once stays
     * in use under the entry the migrations already hold.
     */
    private int lastIndexOf(MigrationPlugin plugin) {
        for (int i = plugins.size() - 1; i >= 0; i--) {
            if (plugins.get(i).plugin() == plugin) {
                return i;
            }
        }
        return -1;
    }

    /** The class and its loader (a bundle's, in OSGi) that tell two plugins of one name apart. */
    private static String describe(MigrationPlugin plugin) {
        return plugin.getClass().getName() + " from " + plugin.getClass().getClassLoader();
    }

    /**
     * The plugins in use now, one of each name (the first added), by name: the order the pipeline
     * asks them to register in.
     */
    public List<MigrationPlugin> snapshot() {
        return entriesInUse().stream().map(Entry::plugin).collect(ImmutableList.toImmutableList());
    }

    /**
     * As {@link #snapshot()}, with the entry of each plugin: what a migration compares with the
     * one a {@link Listener} hears has ended.
     */
    public List<Entry> entriesInUse() {
        Map<String, Entry> inUse = new TreeMap<>();
        for (Entry e : plugins) { // a consistent copy: the list is copy-on-write
            inUse.putIfAbsent(e.plugin().name(), e);
        }
        return ImmutableList.copyOf(inUse.values());
    }

    /**
     * The plugins held back now, in arrival order: each was added while another plugin of its name
     * was in use, and waits for that one to leave (see {@link #add}).
     */
    public List<MigrationPlugin> heldBack() {
        Map<String, MigrationPlugin> inUse = new HashMap<>();
        ImmutableList.Builder<MigrationPlugin> held = ImmutableList.builder();
        for (Entry e : plugins) { // a consistent copy: the list is copy-on-write
            MigrationPlugin p = e.plugin();
            MigrationPlugin first = inUse.putIfAbsent(p.name(), p);
            if (first != null && first != p) {
                held.add(p);
            }
        }
        return held.build();
    }

    /**
     * The device models of every plugin in use now. A device attached through one of them is bound
     * to its plugin ({@link io.ferry.machine.Machine#attachFrom}): while that plugin is absent,
     * migrations of the machine fail naming it.
     */
    public List<DeviceModel> deviceModels() {
        return snapshot().stream()
                .flatMap(p -> p.deviceModels().stream().map(m ->
                        (DeviceModel) new BoundDeviceModel(new DeviceOwner(p.name(), Optional.of(p.getClass())), m)))
                .collect(ImmutableList.toImmutableList());
    }

    /**
     * The device model named {@code name}.
     *
     * @throws IllegalArgumentException naming the models there are, if none is called {@code name}
     */
    public DeviceModel deviceModel(String name) {
        List<DeviceModel> available = deviceModels();
        return available.stream()
                .filter(d -> d.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown device '" + name + "': available are "
                        + available.stream().map(DeviceModel::name).toList()));
    }

    public void addListener(Listener listener) {
        listeners.add(checkNotNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }
}
