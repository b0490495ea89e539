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
 * migration takes a {@link #snapshot()} when it starts and is told through a
 * {@link Listener} if one of its plugins leaves.
 *
 * <p>One plugin of a name is in use at a time: the first added. Another of the same name (say a
 * second version of a bundle, deployed beside the first) is held back, with a warning, and takes
 * the first one's place, for migrations that start afterwards, when that one leaves.
 *
 * <p>A holder that hands its registry out but alone decides which plugins are in it hands out an
 * {@linkplain #unmodifiableView() unmodifiable view} (the OSGi {@code MigrationService} does).
 */
public final class PluginRegistry {
    private static final Logger LOG = System.getLogger(PluginRegistry.class.getName());

    /** Every plugin added and not yet removed, in arrival order: the first of each name is in use. */
    private final List<MigrationPlugin> plugins;
    /**
     * Held by {@link #add} and {@link #remove}, so each knows which plugin of the name was in use
     * before and after its change; {@link #snapshot} reads the list without it.
     */
    private final Object changes;

    private final List<Listener> listeners;
    /** Whether this is an {@link #unmodifiableView()}: it shares the three above with its registry. */
    private final boolean view;

    /**
     * Told when a plugin in use leaves the registry. Not told of a held-back plugin that leaves:
     * no migration used it, and one using the plugin in use of that name must go on.
     */
    @ConsumerType
    @FunctionalInterface
    public interface Listener {
        void removed(MigrationPlugin plugin);
    }

    /** An empty registry. */
    public PluginRegistry() {
        this.plugins = new CopyOnWriteArrayList<>();
        this.changes = new Object();
        this.listeners = new CopyOnWriteArrayList<>();
        this.view = false;
    }

    /** A view of {@code registry}: the same plugins, lock and listeners, read-only. */
    private PluginRegistry(PluginRegistry registry) {
        this.plugins = registry.plugins;
        this.changes = registry.changes;
        this.listeners = registry.listeners;
        this.view = true;
    }

    /**
     * A read-only view of this registry: it reads what this registry holds at each call, live
     * ({@link #snapshot()}, {@link #heldBack()}, the device models), and its listeners hear this
     * registry's departures, but {@link #add}, {@link #remove} and {@link #removeAtShutdown} refuse
     * ({@link UnsupportedOperationException}). A view rather than a copy: a holder hands it out once
     * (a migrator keeps it) while plugins keep coming and going, and the type stays a {@code
     * PluginRegistry}, so it fits where a registry is asked for. {@link #snapshot()} is the
     * immutable list of one moment.
     */
    public PluginRegistry unmodifiableView() {
        return view ? this : new PluginRegistry(this);
    }

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
        checkModifiable("add", plugin);
        checkNotNull(plugin, "plugin");
        String name = checkNotNull(plugin.name(), "name of plugin %s", plugin.getClass());
        synchronized (changes) { // logged inside: the messages come in the order of the changes
            MigrationPlugin inUse = inUse(name);
            plugins.add(plugin);
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
     * Removes {@code plugin} (this instance). If it was in use, tells the listeners (the migrations
     * that use it), and the next plugin of its name held back, if any, takes its place; a
     * held-back one leaves without a word to them. If it has device models, a warning says that
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
        checkModifiable("remove", plugin);
        boolean hasDevices = !plugin.deviceModels().isEmpty(); // plugin code: not under the lock
        boolean wasInUse;
        synchronized (changes) {
            int at = indexOf(plugin);
            if (at < 0) {
                return false;
            }
            MigrationPlugin before = inUse(plugin.name());
            plugins.remove(at);
            MigrationPlugin after = inUse(plugin.name());
            wasInUse = before == plugin && after != plugin;
            logRemoval(plugin, hasDevices, wasInUse, after, level); // inside: in the order of the changes
        }
        if (wasInUse) { // not a held-back plugin, nor one added more than once and still here: migrations lose it
            listeners.forEach(l -> l.removed(plugin));
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

    private void checkModifiable(String change, MigrationPlugin plugin) {
        if (view) {
            throw new UnsupportedOperationException("cannot " + change + " plugin "
                    + (plugin == null ? null : plugin.name())
                    + ": this is a read-only view of a plugin registry (PluginRegistry.unmodifiableView());"
                    + " only the registry's holder changes it (in OSGi, plugins come and go as services)");
        }
    }

    /** The plugin of {@code name} in use: the first of that name to arrive that is still here. */
    private MigrationPlugin inUse(String name) {
        for (MigrationPlugin p : plugins) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /**
     * By identity, as the migrations compare the plugins they hold ({@code equals} of a plugin
     * could make one copy stand for another).
     */
    private int indexOf(MigrationPlugin plugin) {
        for (int i = 0; i < plugins.size(); i++) {
            if (plugins.get(i) == plugin) {
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
        Map<String, MigrationPlugin> inUse = new TreeMap<>();
        for (MigrationPlugin p : plugins) { // a consistent copy: the list is copy-on-write
            inUse.putIfAbsent(p.name(), p);
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
        for (MigrationPlugin p : plugins) { // a consistent copy: the list is copy-on-write
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
