package io.ferry.vhost.internal;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.vhost.RxRingLayout;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Captures both machines at the switchover, after every other handler: the source at the end of
 * COMPLETE (stopped, RAM's final pass sent), the destination at the end of LOAD_COMPLETE (loaded,
 * not yet running). So RAM can be compared even when the destination goes on running.
 */
final class SwitchoverProbe implements MigrationPlugin {
    /** What a machine held: its RAM digest, its devices' fingerprints and a copy of its vhost-net queue. */
    record Snapshot(String ramDigest, Map<String, String> fingerprints, ByteBuffer queue) {}

    private final RxRingLayout layout;
    private final AtomicReference<Snapshot> source = new AtomicReference<>();
    private final AtomicReference<Snapshot> destination = new AtomicReference<>();

    SwitchoverProbe(RxRingLayout layout) {
        this.layout = layout;
    }

    @Override
    public String name() {
        return "probe";
    }

    @Override
    public void registerSource(Registrar r) {
        r.on(Stage.COMPLETE)
                .id("probe.source")
                .priority(Integer.MIN_VALUE)
                .handler(ctx -> source.set(snapshot(ctx.machine())));
        // It only looks: nothing to undo if an attempt steps back (the next attempt's snapshot replaces this one).
        r.on(Stage.REVERT).id("probe.revert").priority(Integer.MIN_VALUE).handler(ctx -> {});
    }

    @Override
    public void registerDestination(Registrar r) {
        r.on(Stage.LOAD_COMPLETE)
                .id("probe.destination")
                .priority(Integer.MIN_VALUE)
                .handler(ctx -> destination.set(snapshot(ctx.machine())));
    }

    Snapshot source() {
        return source.get();
    }

    Snapshot destination() {
        return destination.get();
    }

    Snapshot snapshot(Machine m) {
        Map<String, String> prints = new TreeMap<>();
        for (Device d : m.devices()) {
            prints.put(d.id(), d.stateFingerprint());
        }
        return new Snapshot(m.memory().digest(), prints, queueOf(m));
    }

    ByteBuffer queueOf(Machine m) {
        ByteBuffer copy = ByteBuffer.allocate((int) layout.size());
        m.memory().untracked().read(layout.base(), copy);
        return copy.flip();
    }
}
