package io.ferry.its;

import io.ferry.its.internal.ItsDevice;
import io.ferry.machine.MemoryAccess;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;

/**
 * A source-only plugin that damages the ITS tables in guest RAM between the ITS flush and RAM's
 * final pass (through the tracked path, so the damage is sent), as a guest scribbling over its
 * tables or a tampered stream would.
 */
final class TableCorrupter implements MigrationPlugin {
    /** What to damage, given the source ITS (after its flush) and guest RAM. */
    @FunctionalInterface
    interface Damage {
        void apply(ItsDevice its, MemoryAccess ram);
    }

    private final Damage damage;

    TableCorrupter(Damage damage) {
        this.damage = damage;
    }

    @Override
    public String name() {
        return "corrupter";
    }

    @Override
    public void registerSource(Registrar r) {
        ItsDevice its = r.machine().device(ItsDevice.class).orElseThrow();
        r.on(Stage.COMPLETE).id("corrupter.tables").priority(Priority.BEFORE_RAM - 1)
                .handler(ctx -> damage.apply(its, ctx.machine().memory().tracked()));
    }
}
