package io.ferry.its;

import io.ferry.its.internal.ItsDevice;
import io.ferry.machine.MemoryAccess;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Stage;
import io.ferry.testkit.TestPlugin;

/**
 * A source-only plugin that damages the ITS tables in guest RAM between the ITS flush and RAM's
 * final pass (through the tracked path, so the damage is sent), as a guest scribbling over its
 * tables or a tampered stream would.
 */
final class TableCorrupter {
    /** What to damage, given the source ITS (after its flush) and guest RAM. */
    @FunctionalInterface
    interface Damage {
        void apply(ItsDevice its, MemoryAccess ram);
    }

    private TableCorrupter() {}

    static MigrationPlugin of(Damage damage) {
        return TestPlugin.named("corrupter")
                .source(
                        Stage.COMPLETE,
                        Priority.BEFORE_RAM - 1,
                        "corrupter.tables",
                        ctx -> damage.apply(
                                ctx.machine().device(ItsDevice.class).orElseThrow(),
                                ctx.machine().memory().tracked()));
    }
}
