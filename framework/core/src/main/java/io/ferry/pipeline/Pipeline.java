package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import io.ferry.machine.DirtyLogSource;
import io.ferry.machine.Machine;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The handlers of one side of one migration, pinned when the migration starts: every stage's
 * effective order, and the sections that travel. Immutable.
 */
public final class Pipeline {
    private final Side side;
    private final ImmutableList<String> plugins;
    private final ImmutableListMultimap<Stage, HandlerRegistration> handlers;
    private final ImmutableList<SectionId> sections;
    private final ImmutableList<DirtyLogRegistration> dirtyLogs;

    private Pipeline(Side side, ImmutableList<String> plugins, ImmutableListMultimap<Stage, HandlerRegistration> handlers,
            ImmutableList<SectionId> sections, ImmutableList<DirtyLogRegistration> dirtyLogs) {
        this.side = side;
        this.plugins = plugins;
        this.handlers = handlers;
        this.sections = sections;
        this.dirtyLogs = dirtyLogs;
    }

    /**
     * Asks every plugin, in the given order, to register its handlers for {@code side} of a
     * migration of {@code machine}, and sorts each stage by priority, then id.
     *
     * @throws DuplicateRegistrationException if a handler id repeats on a stage, two plugins
     *     claim one section, two plugins share a name, or a section has two loaders
     * @throws IllegalArgumentException if a plugin registers wrongly (the message names it)
     */
    public static Pipeline assemble(Side side, Machine machine, List<? extends MigrationPlugin> plugins) {
        checkNotNull(side, "side");
        checkNotNull(machine, "machine");
        Map<String, MigrationPlugin> byName = new LinkedHashMap<>();
        for (MigrationPlugin p : plugins) {
            MigrationPlugin previous = byName.putIfAbsent(p.name(), p);
            if (previous != null) {
                throw new DuplicateRegistrationException("two plugins are named '" + p.name() + "': "
                        + previous.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        Collector collector = new Collector(side);
        for (MigrationPlugin p : byName.values()) {
            Registrar r = collector.registrarFor(p.name(), machine);
            try {
                if (side == Side.SOURCE) {
                    p.registerSource(r);
                } else {
                    p.registerDestination(r);
                }
            } catch (RuntimeException e) {
                if (e instanceof DuplicateRegistrationException) {
                    throw e;
                }
                throw new IllegalArgumentException("plugin " + p.name() + " failed to register: " + e.getMessage(), e);
            }
        }
        return collector.build(ImmutableList.copyOf(byName.keySet()));
    }

    public Side side() {
        return side;
    }

    /** Names of the plugins this pipeline was assembled from. */
    public List<String> plugins() {
        return plugins;
    }

    /** The handlers of {@code stage} in the order they run. */
    public List<HandlerRegistration> handlers(Stage stage) {
        return handlers.get(stage);
    }

    /** The handler ids of {@code stage} in the order they run. */
    public List<String> order(Stage stage) {
        return handlers.get(stage).stream().map(HandlerRegistration::id).collect(ImmutableList.toImmutableList());
    }

    /**
     * Source: the sections that travel (the stream's manifest), by name then instance.
     * Destination: the sections it can load.
     */
    public List<SectionId> sections() {
        return sections;
    }

    /** Source: the registered dirty-log sources, in registration order. */
    public List<DirtyLogRegistration> dirtyLogs() {
        return dirtyLogs;
    }

    /** Destination: the LOAD handler for the state {@code section} names, whatever its version. */
    public Optional<HandlerRegistration> loaderFor(SectionId section) {
        return handlers.get(Stage.LOAD).stream()
                .filter(h -> h.section().orElseThrow().sameStateAs(section))
                .findFirst();
    }

    /** Every stage of this side with its handlers, one line each: the table the shell prints. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (Stage stage : Stage.values()) {
            if (stage.side() != side) {
                continue;
            }
            out.append(stage).append('\n');
            List<HandlerRegistration> list = handlers.get(stage);
            if (list.isEmpty()) {
                out.append("  (no handlers)\n");
            }
            for (HandlerRegistration h : list) {
                out.append(String.format("  %6d %-12s %-24s %-10s %s%n", h.priority(), Priority.describe(h.priority()),
                        h.id(), h.plugin(), h.section().map(SectionId::toString).orElse("no chunk")));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "Pipeline[" + side + ", plugins=" + plugins + "]";
    }

    /** Gathers registrations and checks them for duplicates as they arrive. */
    private static final class Collector {
        private final Side side;
        private final Map<Stage, List<HandlerRegistration>> byStage = new EnumMap<>(Stage.class);
        private final Map<String, String> sectionOwners = new HashMap<>();
        private final Map<String, SectionId> sectionVersions = new TreeMap<>();
        private final Map<String, DirtyLogRegistration> dirtyLogs = new LinkedHashMap<>();

        Collector(Side side) {
            this.side = side;
        }

        Registrar registrarFor(String plugin, Machine machine) {
            return new Registrar() {
                @Override
                public Side side() {
                    return side;
                }

                @Override
                public Machine machine() {
                    return machine;
                }

                @Override
                public Registration on(Stage stage) {
                    checkNotNull(stage, "stage");
                    checkArgument(stage.side() == side, "plugin %s: %s is a %s stage, but the %s side is being assembled",
                            plugin, stage, stage.side(), side);
                    return new Registration(plugin, stage, Collector.this::add);
                }

                @Override
                public void dirtyLog(DirtyLogSource log) {
                    checkNotNull(log, "log");
                    checkArgument(side == Side.SOURCE, "plugin %s: dirty log %s: dirty logs exist on the source only",
                            plugin, log.name());
                    DirtyLogRegistration previous = dirtyLogs.putIfAbsent(log.name(), new DirtyLogRegistration(plugin, log));
                    if (previous != null) {
                        throw new DuplicateRegistrationException("dirty log '" + log.name() + "' registered twice (by "
                                + previous.plugin() + " and " + plugin + ")");
                    }
                }
            };
        }

        void add(HandlerRegistration h) {
            List<HandlerRegistration> list = byStage.computeIfAbsent(h.stage(), s -> new ArrayList<>());
            for (HandlerRegistration existing : list) {
                if (existing.id().equals(h.id())) {
                    throw new DuplicateRegistrationException("handler id '" + h.id() + "' registered twice on "
                            + h.stage() + " (by " + existing.plugin() + " and " + h.plugin() + ")");
                }
                if (h.stage() == Stage.LOAD && existing.section().orElseThrow().sameStateAs(h.section().orElseThrow())) {
                    throw new DuplicateRegistrationException("section " + h.section().orElseThrow()
                            + " has two loaders: " + existing.id() + " and " + h.id());
                }
            }
            h.section().ifPresent(s -> claim(s, h));
            list.add(h);
        }

        private void claim(SectionId section, HandlerRegistration h) {
            String key = section.name() + "/" + section.instance();
            String owner = sectionOwners.putIfAbsent(key, h.plugin());
            if (owner != null && !owner.equals(h.plugin())) {
                throw new DuplicateRegistrationException("section " + key + " claimed by plugins " + owner + " and "
                        + h.plugin());
            }
            SectionId known = sectionVersions.putIfAbsent(key, section);
            checkArgument(known == null || known.version() == section.version(),
                    "section %s registered with versions %s and %s by handler %s", key,
                    known == null ? 0 : known.version(), section.version(), h.id());
        }

        Pipeline build(ImmutableList<String> plugins) {
            ImmutableListMultimap.Builder<Stage, HandlerRegistration> sorted = ImmutableListMultimap.builder();
            byStage.forEach((stage, list) -> sorted.putAll(stage, list.stream().sorted(HandlerRegistration.ORDER).toList()));
            ImmutableList<SectionId> sections = sectionVersions.values().stream()
                    .sorted(java.util.Comparator.comparing(SectionId::name).thenComparingInt(SectionId::instance))
                    .collect(ImmutableList.toImmutableList());
            return new Pipeline(side, plugins, sorted.build(), sections, ImmutableList.copyOf(dirtyLogs.values()));
        }
    }
}
