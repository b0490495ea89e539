package io.ferry.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageContext;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Holds a migration at a chosen stage: its handler (just before RAM's on that stage) signals its
 * arrival and waits until {@link #release() released} or the migration is cancelled, at most
 * {@link #MAX_HOLD}. Lets a test act while the migration is in a known state. Built on
 * {@link TestPlugin}; any stage but LOAD.
 */
public final class StageGatePlugin implements MigrationPlugin {
    /** The longest the gate holds a migration, so a forgotten release cannot hang a build. */
    public static final Duration MAX_HOLD = Duration.ofSeconds(60);

    private final Stage stage;
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final TestPlugin plugin;

    public StageGatePlugin(Stage stage) {
        this.stage = checkNotNull(stage, "stage");
        checkArgument(stage != Stage.LOAD, "the gate cannot hold LOAD, which takes a ChunkLoader");
        TestPlugin named = TestPlugin.named("gate");
        this.plugin = stage.side() == Side.SOURCE
                ? named.source(stage, Priority.RAM + 1, handlerId(), this::hold)
                : named.destination(stage, Priority.RAM + 1, handlerId(), this::hold);
    }

    @Override
    public String name() {
        return plugin.name();
    }

    public String handlerId() {
        return "gate." + stage.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void registerSource(Registrar r) {
        plugin.registerSource(r);
    }

    @Override
    public void registerDestination(Registrar r) {
        plugin.registerDestination(r);
    }

    /** Waits until a migration reaches the gate. */
    public void awaitArrival(Duration timeout) throws InterruptedException, TimeoutException {
        if (!arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("no migration reached " + stage + " within " + timeout.toMillis() + " ms");
        }
    }

    /** Lets the held migration (and any later one) pass. */
    public void release() {
        released.countDown();
    }

    private void hold(StageContext ctx) throws InterruptedException, TimeoutException {
        arrived.countDown();
        long deadline = System.nanoTime() + MAX_HOLD.toNanos();
        while (!released.await(5, TimeUnit.MILLISECONDS)) {
            if (ctx.isCancelled()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("gate at " + stage + " was never released");
            }
        }
    }
}
