package io.ferry.vhost.internal;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.testkit.TestPlugin;
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
    private final MigrationPlugin plugin;
    /** What a machine held: its RAM digest, its devices' fingerprints and a copy of its vhost-net queue. */
    record Snapshot(String ramDigest, Map<String, String> fingerprints, ByteBuffer queue) {}

    private final RxRingLayout layout;
    private final AtomicReference<Snapshot> source = new AtomicReference<>();
    private final AtomicReference<Snapshot> destination = new AtomicReference<>();

    SwitchoverProbe(RxRingLayout layout) {
        this.layout = layout;
        this.plugin = TestPlugin.named("probe")
                .source(Stage.COMPLETE, Integer.MIN_VALUE, "probe.source", ctx -> source.set(snapshot(ctx.machine())))
                .destination(Stage.LOAD_COMPLETE, Integer.MIN_VALUE, "probe.destination",
                        ctx -> destination.set(snapshot(ctx.machine())));
    }

    @Override
    public String name() {
        return plugin.name();
    }

    @Override
    public void registerSource(Registrar r) {
        plugin.registerSource(r);
    }

    @Override
    public void registerDestination(Registrar r) {
        plugin.registerDestination(r);
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
