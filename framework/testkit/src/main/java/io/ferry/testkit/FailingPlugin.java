package io.ferry.testkit;

import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plugin whose one handler throws at a chosen stage (injecting a handler failure). The
 * handler runs at {@link Priority#RAM} + 1, so on each stage it runs just before RAM's handler.
 */
public final class FailingPlugin implements MigrationPlugin {
    /** The message of the exception the handler throws. */
    public static final String MESSAGE = "injected handler failure";

    private final Stage stage;
    private final AtomicInteger calls = new AtomicInteger();

    public FailingPlugin(Stage stage) {
        this.stage = checkNotNull(stage, "stage");
    }

    @Override
    public String name() {
        return "failing";
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
        if (stage.side() == io.ferry.pipeline.Side.SOURCE) {
            register(r);
        }
    }

    @Override
    public void registerDestination(Registrar r) {
        if (stage.side() == io.ferry.pipeline.Side.DESTINATION && stage != Stage.LOAD) {
            register(r);
        }
    }

    private void register(Registrar r) {
        r.on(stage).id(handlerId()).priority(Priority.RAM + 1).handler(ctx -> {
            calls.incrementAndGet();
            throw new IllegalStateException(MESSAGE + " at " + stage);
        });
    }
}
