package io.ferry.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageHandler;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plugin whose one handler throws at a chosen stage (injecting a handler failure). The
 * handler runs at {@link Priority#RAM} + 1, so on each stage it runs just before RAM's handler.
 * Built on {@link TestPlugin}; any stage but LOAD.
 */
public final class FailingPlugin implements MigrationPlugin {
    /** The message of the exception the handler throws. */
    public static final String MESSAGE = "injected handler failure";

    private final Stage stage;
    private final AtomicInteger calls = new AtomicInteger();
    private final TestPlugin plugin;

    public FailingPlugin(Stage stage) {
        this.stage = checkNotNull(stage, "stage");
        checkArgument(stage != Stage.LOAD, "a failing LOAD handler needs a section: use TestPlugin.loader");
        StageHandler fail = ctx -> {
            calls.incrementAndGet();
            throw new IllegalStateException(MESSAGE + " at " + stage);
        };
        TestPlugin named = TestPlugin.named("failing");
        this.plugin = stage.side() == Side.SOURCE
                ? named.source(stage, Priority.RAM + 1, handlerId(), fail)
                : named.destination(stage, Priority.RAM + 1, handlerId(), fail);
    }

    @Override
    public String name() {
        return plugin.name();
    }

    /** How many times the handler ran (and threw). */
    public int calls() {
        return calls.get();
    }

    /** The id of the handler that throws. */
    public String handlerId() {
        return "failing." + stage.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void registerSource(Registrar r) {
        plugin.registerSource(r);
    }

    @Override
    public void registerDestination(Registrar r) {
        plugin.registerDestination(r);
    }
}
