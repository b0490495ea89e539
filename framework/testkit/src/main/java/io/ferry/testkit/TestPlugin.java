package io.ferry.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import io.ferry.pipeline.ChunkLoader;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageHandler;
import java.util.List;
import java.util.function.Consumer;

/**
 * A plugin for tests, described in one expression instead of a class per handler:
 *
 * <pre>{@code
 * MigrationPlugin probe = TestPlugin.named("probe")
 *         .source(Stage.COMPLETE, Priority.AFTER_RAM, "probe.after", ctx -> seen.add(ctx.pass()))
 *         .destination(Stage.LOAD_COMPLETE, Priority.AFTER_RAM, "probe.loaded", ctx -> loaded.countDown());
 * }</pre>
 *
 * Immutable: each method returns a new plugin with one more registration. The registrations are
 * made for every migration, whatever the machine; use {@link #registering} for ones that depend
 * on it.
 */
public final class TestPlugin implements MigrationPlugin {
    private final String name;
    private final ImmutableList<Entry> entries;
    private final ImmutableList<DeviceModel> models;

    /** One registration: made on {@code side} by {@code registrations}. */
    private record Entry(Side side, Consumer<Registrar> registrations) {}

    private TestPlugin(String name, ImmutableList<Entry> entries, ImmutableList<DeviceModel> models) {
        this.name = name;
        this.entries = entries;
        this.models = models;
    }

    /** A plugin called {@code name} that registers nothing yet. */
    public static TestPlugin named(String name) {
        return new TestPlugin(checkNotNull(name, "name"), ImmutableList.of(), ImmutableList.of());
    }

    /** Adds a source handler without a section (it emits no chunks). */
    public TestPlugin source(Stage stage, int priority, String id, StageHandler handler) {
        checkSide(stage, Side.SOURCE);
        checkNotNull(handler, "handler");
        return with(Side.SOURCE, r -> r.on(stage).id(id).priority(priority).handler(handler));
    }

    /** Adds a source handler that emits chunks of {@code section}. */
    public TestPlugin source(Stage stage, int priority, String id, SectionId section, StageHandler handler) {
        checkSide(stage, Side.SOURCE);
        checkNotNull(section, "section");
        checkNotNull(handler, "handler");
        return with(
                Side.SOURCE,
                r -> r.on(stage).id(id).priority(priority).section(section).handler(handler));
    }

    /** Adds a destination handler on LOAD_SETUP or LOAD_COMPLETE. */
    public TestPlugin destination(Stage stage, int priority, String id, StageHandler handler) {
        checkSide(stage, Side.DESTINATION);
        checkArgument(stage != Stage.LOAD, "LOAD takes a ChunkLoader: use loader()");
        checkNotNull(handler, "handler");
        return with(Side.DESTINATION, r -> r.on(stage).id(id).priority(priority).handler(handler));
    }

    /** Adds the destination's loader of {@code section}. */
    public TestPlugin loader(int priority, String id, SectionId section, ChunkLoader loader) {
        checkNotNull(section, "section");
        checkNotNull(loader, "loader");
        return with(
                Side.DESTINATION,
                r -> r.on(Stage.LOAD).id(id).priority(priority).section(section).loader(loader));
    }

    /** Adds registrations made by {@code registrations} on {@code side}, which may look at the machine. */
    public TestPlugin registering(Side side, Consumer<Registrar> registrations) {
        checkNotNull(side, "side");
        return with(side, checkNotNull(registrations, "registrations"));
    }

    /** Adds a device model to the ones this plugin offers. */
    public TestPlugin device(DeviceModel model) {
        checkNotNull(model, "model");
        return new TestPlugin(
                name,
                entries,
                ImmutableList.<DeviceModel>builder().addAll(models).add(model).build());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void registerSource(Registrar r) {
        register(Side.SOURCE, r);
    }

    @Override
    public void registerDestination(Registrar r) {
        register(Side.DESTINATION, r);
    }

    @Override
    public List<DeviceModel> deviceModels() {
        return models;
    }

    @Override
    public String toString() {
        return "TestPlugin[" + name + ", " + entries.size() + " registrations]";
    }

    private void register(Side side, Registrar r) {
        entries.stream()
                .filter(e -> e.side() == side)
                .forEach(e -> e.registrations().accept(r));
    }

    private TestPlugin with(Side side, Consumer<Registrar> registrations) {
        return new TestPlugin(
                name,
                ImmutableList.<Entry>builder()
                        .addAll(entries)
                        .add(new Entry(side, registrations))
                        .build(),
                models);
    }

    private static void checkSide(Stage stage, Side side) {
        checkNotNull(stage, "stage");
        checkArgument(stage.side() == side, "%s is a %s stage, not a %s one", stage, stage.side(), side);
    }
}
