package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import io.ferry.machine.DeviceOwner;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
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
 *
 * <p>Plugins added as OSGi services ({@link #add(MigrationPlugin, ServiceRank)}) follow OSGi's
 * order instead: of two of a name, the one of higher {@code service.ranking} is in use, and of two
 * of one ranking, the one of lower {@code service.id}. One that arrives ranked above the plugin in
 * use takes over for the migrations that start afterwards; those running keep the one they
 * started with, which is held back now and still fails them if it leaves. A plugin added without
 * a rank ranks 0, after the services of ranking 0.
 *
 * <p>A holder that hands its registry out but alone decides which plugins are in it hands out an
 * {@linkplain #unmodifiableView() unmodifiable view} (the OSGi {@code MigrationService} does).
 */
public final class PluginRegistry {
    private static final Logger LOG = System.getLogger(PluginRegistry.class.getName());

    /**
     * Higher ranking first, then lower service id, then earlier add: the first entry of each name in
     * {@link #plugins} is in use. An entry without a service id (a plain add) comes after every
     * service of its ranking.
     */
    private static final Comparator<Entry> PRECEDENCE = Comparator.comparingInt((Entry e) -> e.ranking())
            .reversed()
            .thenComparingLong(e -> e.rank == null ? Long.MAX_VALUE : e.rank.serviceId())
            .thenComparingLong(Entry::stamp);

    /**
     * Every add not yet undone by a remove, in {@link #PRECEDENCE} order: the first of each name is
     * in use. Replaced whole under {@link #changes}, so a reader without the lock sees each change
     * entirely or not at all (a re-ranked entry is never missing from a snapshot).
     */
    private volatile List<Entry> plugins = List.of();
    /**
     * Held by every change, so each knows which plugin of the name was in use before and after it;
     * {@link #snapshot} reads the list without it.
     */
    private final Object changes = new Object();
    /** The stamp of the next add; guarded by {@link #changes}. */
    private long nextStamp = 1;
    /**
     * The stamps of the entries here that have been in use, so migrations may hold them: the end of
     * one is news to the listeners, even if another of its name ranked above it since. Guarded by
     * {@link #changes}.
     */
    private final Set<Long> used = new HashSet<>();

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** For an {@link #unmodifiableView()}: the registry it reads; null for a registry. */
    private final PluginRegistry viewed;

    /**
     * Told when a plugin that has been in use leaves the registry (held back since another ranked
     * above it, migrations that started before may still hold it). Not told of one that leaves
     * without ever having been in use: no migration used it, and one using the plugin in use of
     * that name must go on.
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
        /** Null for a plain add. */
        private final ServiceRank rank;

        Entry(MigrationPlugin plugin, long stamp, ServiceRank rank) {
            this.plugin = plugin;
            this.stamp = stamp;
            this.rank = rank;
        }

        public MigrationPlugin plugin() {
            return plugin;
        }

        /** Unique among the entries of one registry: the later the add, the higher. */
        public long stamp() {
            return stamp;
        }

        private int ranking() {
            return rank == null ? 0 : rank.ranking();
        }

        private boolean isService(long serviceId) {
            return rank != null && rank.serviceId() == serviceId;
        }

        @Override
        public String toString() {
            return "plugin '" + plugin.name() + "' (add #" + stamp + (rank == null ? "" : ", " + rank) + ")";
        }
    }

    /**
     * Where an OSGi service stands among those of its name: {@code ranking} is its {@code
     * service.ranking} (0 if it has none, or one that is no {@code Integer}, as OSGi reads it),
     * {@code serviceId} its {@code service.id}, which also tells which service a removal means.
     */
    public record ServiceRank(int ranking, long serviceId) {
        @Override
        public String toString() {
            return "service.ranking " + ranking + ", service.id " + serviceId;
        }
    }

    /** An empty registry. */
    public PluginRegistry() {
        this.viewed = null;
    }

    private PluginRegistry(PluginRegistry viewed) {
        this.viewed = viewed;
    }

    /**
     * A read-only view of this registry: it reads what this registry holds at each call, live
     * ({@link #snapshot()}, {@link #entriesInUse()}, {@link #heldBack()}, the device models), and
     * listeners added through it hear this registry's departures, but every change ({@link #add},
     * {@link #rerank}, {@link #remove}, {@link #removeAtShutdown}) is refused with {@link
     * UnsupportedOperationException}. A view rather than a copy: a holder hands it out once (a
     * migrator keeps it) while plugins keep coming and going, and the type stays a {@code
     * PluginRegistry}, so it fits where a registry is asked for. {@link #snapshot()} is the
     * immutable list of one moment.
     */
    public PluginRegistry unmodifiableView() {
        return viewed != null ? this : new PluginRegistry(this);
    }

    /** The registry whose plugins this one reads: itself, or the one it views. */
    private PluginRegistry registry() {
        return viewed != null ? viewed : this;
    }

    private void checkModifiable(String change, MigrationPlugin plugin) {
        if (viewed != null) {
            throw new UnsupportedOperationException("cannot " + change + " plugin "
                    + (plugin == null ? null : plugin.name())
                    + ": this is a read-only view of a plugin registry (PluginRegistry.unmodifiableView());"
                    + " only the registry's holder changes it (in OSGi, plugins come and go as services)");
        }
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
     * (a warning names both): migrations go on with the first until it leaves (unless it is a
     * service of negative ranking: see {@link #add(MigrationPlugin, ServiceRank)}). Added more than
     * once, it stays until removed as often.
     */
    public void add(MigrationPlugin plugin) {
        addEntry(plugin, null);
    }

    /**
     * Adds {@code plugin} as the OSGi service {@code rank} describes. If a plugin of its name is in
     * use, the one ranked higher (see the class comment) is in use from now on and the other is
     * held back, with a warning naming both; migrations running go on with the plugin they started
     * with. Remove it with {@link #remove(MigrationPlugin, ServiceRank)}.
     */
    public void add(MigrationPlugin plugin, ServiceRank rank) {
        addEntry(plugin, checkNotNull(rank, "rank"));
    }

    private void addEntry(MigrationPlugin plugin, ServiceRank rank) {
        checkModifiable("add", plugin);
        checkNotNull(plugin, "plugin");
        String name = checkNotNull(plugin.name(), "name of plugin %s", plugin.getClass());
        synchronized (changes) { // logged inside: the messages come in the order of the changes
            Entry before = inUse(name);
            Entry added = new Entry(plugin, nextStamp++, rank);
            plugins = inserted(plugins, added);
            logArrival(added, before, inUseNow(name));
        }
    }

    /**
     * The service {@code rank} names changed its properties: {@code plugin} moves to its new
     * ranking, and if that changes which plugin of its name is in use, the change holds for the
     * migrations that start afterwards; those running keep theirs. It stays the same entry: no
     * migration hears of a departure.
     *
     * @return false if no entry of {@code plugin} is that service
     */
    public boolean rerank(MigrationPlugin plugin, ServiceRank rank) {
        checkModifiable("rerank", plugin);
        checkNotNull(rank, "rank");
        synchronized (changes) {
            Entry old = serviceOf(plugin, rank);
            if (old == null) {
                return false;
            }
            String name = plugin.name();
            Entry before = inUse(name);
            Entry moved = new Entry(plugin, old.stamp(), rank);
            plugins = inserted(without(plugins, old), moved);
            Entry after = inUseNow(name);
            if (after.stamp() != before.stamp()) {
                Entry displaced = before == old ? moved : before; // as it ranks now
                LOG.log(
                        Level.INFO,
                        "plugin '" + name + "': " + describe(after) + " ranks above " + describe(displaced)
                                + " now; it is in use for migrations that start from now on");
            }
            return true;
        }
    }

    private static void logArrival(Entry added, Entry before, Entry after) {
        if (before == null) {
            return;
        }
        String name = added.plugin().name();
        if (after.plugin() == before.plugin()) { // the one in use stays
            LOG.log(
                    Level.WARNING,
                    added.plugin() == before.plugin()
                            ? "plugin '" + name + "' (" + describe(added) + ") was added again: it is in use until"
                                    + " removed as often as it was added"
                            : "two plugins are named '" + name + "': " + describe(added) + " is ignored while "
                                    + describe(before)
                                    + " is registered; when that one leaves, it takes that one's place for the"
                                    + " migrations that start afterwards");
        } else {
            LOG.log(
                    Level.WARNING,
                    "two plugins are named '" + name + "': " + describe(added) + " ranks above " + describe(before)
                            + ", so it is in use for the migrations that start from now on; those running go on"
                            + " with the other, held back now");
        }
    }

    /**
     * Removes {@code plugin} (this instance; added more than once, its latest entry not in use). If it was
     * in use, tells the listeners (the migrations that use it) which entry ended, and the next
     * plugin of its name held back, if any, takes its place; one held back since it was added
     * leaves without a word to them. If it has device models, a warning says that machines with
     * its devices cannot migrate until it is back (or, if another class took its place, until they
     * are attached again).
     */
    public boolean remove(MigrationPlugin plugin) {
        return remove(plugin, null, Level.WARNING);
    }

    /**
     * As {@link #remove(MigrationPlugin)}, for the entry of {@code plugin} added as the service
     * {@code rank} names (by its {@code service.id}): the same instance may be registered as two
     * services. If that entry is held back but was in use before another of its name ranked above
     * it, the listeners hear of it too: migrations that started then hold it.
     */
    public boolean remove(MigrationPlugin plugin, ServiceRank rank) {
        return remove(plugin, checkNotNull(rank, "rank"), Level.WARNING);
    }

    /**
     * As {@link #remove}, for a host that is shutting down: every plugin leaves then, none comes
     * back in this process, and a warning for each would be noise, so the departure is logged at
     * {@code DEBUG}. Migrations that use the plugin still fail as with {@link #remove}.
     */
    public boolean removeAtShutdown(MigrationPlugin plugin) {
        return remove(plugin, null, Level.DEBUG);
    }

    /** As {@link #removeAtShutdown(MigrationPlugin)}, for the service {@code rank} names. */
    public boolean removeAtShutdown(MigrationPlugin plugin, ServiceRank rank) {
        return remove(plugin, checkNotNull(rank, "rank"), Level.DEBUG);
    }

    /** Removes the entry of {@code plugin} that is the service {@code rank} names, or (null) its latest. */
    private boolean remove(MigrationPlugin plugin, ServiceRank rank, Level level) {
        checkModifiable("remove", plugin);
        checkNotNull(plugin, "plugin");
        boolean hasDevices = !plugin.deviceModels().isEmpty(); // plugin code: not under the lock
        Entry ended;
        boolean told;
        synchronized (changes) {
            ended = rank == null ? latestOf(plugin) : serviceOf(plugin, rank);
            if (ended == null) {
                return false;
            }
            Entry before = inUse(plugin.name());
            plugins = without(plugins, ended);
            MigrationPlugin after = pluginOf(inUseNow(plugin.name()));
            told = used.remove(ended.stamp());
            // inside: in the order of the changes
            logRemoval(plugin, hasDevices, new Departure(before == ended, told), after, level);
        }
        // Told outside the lock, so the word may come after a later add of the same instance: it
        // names the entry that ended, which a migration started with that add does not hold.
        if (told) { // not a plugin never in use, nor one added more than once and still here: migrations lose it
            listeners.forEach(l -> tell(l, ended));
        }
        return true;
    }

    /**
     * One listener's failure is logged: the others, migrations among them, must still hear it. An
     * {@code Error} too (a listener of a stopped bundle may throw a {@code LinkageError}), unless the
     * JVM itself is failing.
     */
    private static void tell(Listener listener, Entry ended) {
        try {
            listener.ended(ended);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "a plugin registry listener failed on the departure of " + ended + ": " + e, e);
        }
    }

    /** Whether the entry that left was in use, and whether it ever was (so migrations may hold it). */
    private record Departure(boolean wasInUse, boolean wasEverInUse) {}

    private static void logRemoval(
            MigrationPlugin plugin, boolean hasDevices, Departure departure, MigrationPlugin after, Level level) {
        String name = plugin.name();
        if (!departure.wasEverInUse()) {
            LOG.log(
                    Level.DEBUG,
                    "plugin '" + name + "' (" + describe(plugin) + ") left; no migration loses it (it was held back"
                            + " or is still registered)");
        } else if (!departure.wasInUse()) {
            LOG.log(
                    level == Level.DEBUG ? level : Level.INFO,
                    "plugin '" + name + "' (" + describe(plugin) + ") left, held back since another of its name ranked"
                            + " above it: the migrations that started with it before fail; " + describe(after)
                            + " stays in use");
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

    /** The entry of {@code name} in use: the first of that name in precedence order. */
    private Entry inUse(String name) {
        for (Entry e : plugins) {
            if (e.plugin().name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /**
     * As {@link #inUse}, after a change: the entry in use is marked as such, under the lock before
     * any removal can look, since a migration may take it from the list from now on.
     */
    private Entry inUseNow(String name) {
        Entry e = inUse(name);
        if (e != null) {
            used.add(e.stamp());
        }
        return e;
    }

    private static MigrationPlugin pluginOf(Entry e) {
        return e == null ? null : e.plugin();
    }

    /**
     * The entry of {@code plugin} a plain remove undoes, by identity ({@code equals} of a plugin
     * could make one copy stand for another): the latest of those not in use, or the one in use if
     * it has no other. So an instance added twice and removed once stays in use under the entry the
     * migrations already hold, even where a service add of it ranks above a plain one.
     */
    private Entry latestOf(MigrationPlugin plugin) {
        Entry inUse = inUse(plugin.name());
        Comparator<Entry> order =
                Comparator.comparing((Entry e) -> e == inUse).reversed().thenComparingLong(Entry::stamp);
        return plugins.stream().filter(e -> e.plugin() == plugin).max(order).orElse(null);
    }

    /** The entry of {@code plugin} added as the service {@code rank} names, by its service id. */
    private Entry serviceOf(MigrationPlugin plugin, ServiceRank rank) {
        return plugins.stream()
                .filter(e -> e.plugin() == plugin && e.isService(rank.serviceId()))
                .findFirst()
                .orElse(null);
    }

    /** {@code list} with {@code entry} at its place in precedence order. */
    private static List<Entry> inserted(List<Entry> list, Entry entry) {
        List<Entry> copy = new ArrayList<>(list);
        int at = 0;
        while (at < copy.size() && PRECEDENCE.compare(copy.get(at), entry) <= 0) {
            at++;
        }
        copy.add(at, entry);
        return List.copyOf(copy);
    }

    private static List<Entry> without(List<Entry> list, Entry entry) {
        List<Entry> copy = new ArrayList<>(list);
        copy.remove(entry); // by identity: Entry keeps Object's equals
        return List.copyOf(copy);
    }

    /** The class and its loader (a bundle's, in OSGi) that tell two plugins of one name apart. */
    private static String describe(MigrationPlugin plugin) {
        return plugin.getClass().getName() + " from " + plugin.getClass().getClassLoader();
    }

    /** As {@link #describe(MigrationPlugin)}, with the service it was added as, if it was. */
    private static String describe(Entry e) {
        return describe(e.plugin()) + (e.rank == null ? "" : " (" + e.rank + ")");
    }

    /**
     * The plugins in use now, one of each name (see the class comment for which), by name: the order the pipeline
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
        for (Entry e : registry().plugins) { // a consistent list: it is replaced whole
            inUse.putIfAbsent(e.plugin().name(), e);
        }
        return ImmutableList.copyOf(inUse.values());
    }

    /**
     * Whether {@code entry} is still here, in use or held back: true until the remove that ends
     * it. A migration that started with it keeps it while it is, whichever plugin of its name is in
     * use now.
     */
    public boolean contains(Entry entry) {
        checkNotNull(entry, "entry");
        return registry().plugins.stream().anyMatch(e -> e.stamp() == entry.stamp());
    }

    /**
     * The plugins held back now, in the order they would take over (arrival order, for plugins
     * added without a rank): each was added while another plugin of its name was in use, or was in
     * use until another ranked above it arrived, and waits for that one to leave (see {@link #add}).
     * A migration that started with one goes on with it.
     */
    public List<MigrationPlugin> heldBack() {
        Map<String, MigrationPlugin> inUse = new HashMap<>();
        ImmutableList.Builder<MigrationPlugin> held = ImmutableList.builder();
        for (Entry e : registry().plugins) { // a consistent list: it is replaced whole
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

    /** Adds {@code listener}, to this registry's listeners or, through a view, to those of the registry it views. */
    public void addListener(Listener listener) {
        registry().listeners.add(checkNotNull(listener, "listener"));
    }

    /** Removes {@code listener} (this instance: an {@code equals} must not remove another's). */
    public void removeListener(Listener listener) {
        registry().listeners.removeIf(l -> l == listener);
    }
}
