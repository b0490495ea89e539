package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import io.ferry.machine.DeviceOwner;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The plugins available now. Plugins may come and go at any time (OSGi services do); a
 * migration takes a {@link #snapshot()} when it starts and is told through a
 * {@link Listener} if one of its plugins leaves.
 */
public final class PluginRegistry {
    private static final Logger LOG = System.getLogger(PluginRegistry.class.getName());

    private final List<MigrationPlugin> plugins = new CopyOnWriteArrayList<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Told when a plugin leaves the registry. */
    @ConsumerType
    @FunctionalInterface
    public interface Listener {
        void removed(MigrationPlugin plugin);
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

    public void add(MigrationPlugin plugin) {
        plugins.add(checkNotNull(plugin, "plugin"));
    }

    /**
     * Removes {@code plugin} and tells the listeners (the migrations that use it). If it has device
     * models, a warning says that machines with its devices cannot migrate until it is back.
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
        boolean removed = plugins.remove(plugin);
        if (removed) {
            if (!plugin.deviceModels().isEmpty()) {
                LOG.log(
                        level,
                        "plugin " + plugin.name() + " left: a machine with one of its devices cannot migrate"
                                + " until it is back or the device is detached");
            }
            listeners.forEach(l -> l.removed(plugin));
        }
        return removed;
    }

    /** The plugins now, by name: the order the pipeline asks them to register in. */
    public List<MigrationPlugin> snapshot() {
        return plugins.stream()
                .sorted(Comparator.comparing(MigrationPlugin::name))
                .collect(ImmutableList.toImmutableList());
    }

    /**
     * The device models of every plugin now. A device attached through one of them is bound to its
     * plugin ({@link io.ferry.machine.Machine#attachFrom}): while that plugin is absent, migrations
     * of the machine fail naming it.
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
