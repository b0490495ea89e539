package io.ferry.vhost.internal;

import aQute.bnd.annotation.Resolution;
import aQute.bnd.annotation.spi.ServiceProvider;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.vhost.VhostNetSection;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/**
 * vhost-net migration. Source, for a machine with a vhost-net device: the backend's dirty log is
 * registered with the migration (the engine turns it on, merges it at every DIRTY_SYNC and once
 * more before RAM's final pass, checks it while RAM is sealed, and turns it off); COMPLETE, before
 * RAM's final pass, stops the backend and emits the ring state. Destination: loads the ring state, and once RAM is loaded checks the
 * rings against it and arms the backend, which starts when the machine runs. A machine without
 * the device gets no handlers.
 */
// One class for both worlds: a DS component in OSGi, and META-INF/services (written by bnd) for ServiceLoader.
@Component(service = MigrationPlugin.class)
@ServiceProvider(value = MigrationPlugin.class, resolution = Resolution.OPTIONAL)
public final class VhostNetPlugin implements MigrationPlugin {
    private final boolean mergeLog;

    public VhostNetPlugin() {
        this(true);
    }

    private VhostNetPlugin(boolean mergeLog) {
        this.mergeLog = mergeLog;
    }

    /**
     * For tests that prove the log is needed: a plugin that does not register the backend's dirty
     * log, like a vhost backend without log support.
     */
    public static VhostNetPlugin withoutDirtyLog() {
        return new VhostNetPlugin(false);
    }

    @Override
    public String name() {
        return VhostNetModel.NAME;
    }

    @Override
    public void registerSource(Registrar r) {
        Optional<VhostNetDevice> device = deviceOf(r.machine());
        if (device.isEmpty()) {
            return;
        }
        VhostNetDevice d = device.get();
        if (mergeLog) {
            r.dirtyLog(d.dirtyLog());
        }
        // Before RAM's final pass: the engine merges the stopped backend's last writes right before it.
        r.on(Stage.COMPLETE)
                .id("vhost-net.stop")
                .priority(Priority.BEFORE_RAM)
                .section(VhostNetSection.ID)
                .handler(ctx -> {
                    d.stopBackend();
                    ctx.chunks().emit(d.state().encode());
                });
        // A stepped-back switchover needs nothing undone here: the backend follows the run state, so it
        // restarts when the machine resumes, and its log is still on. Registering REVERT says vhost-net can step back.
        r.on(Stage.REVERT).id("vhost-net.revert").priority(Priority.BEFORE_RAM).handler(ctx -> {});
    }

    @Override
    public void registerDestination(Registrar r) {
        Optional<VhostNetDevice> device = deviceOf(r.machine());
        if (device.isEmpty()) {
            return;
        }
        VhostNetDestination destination = new VhostNetDestination(device.get());
        r.on(Stage.LOAD)
                .id("vhost-net.load")
                .priority(Priority.BEFORE_RAM)
                .section(VhostNetSection.ID)
                .loader(destination::load);
        // After RAM: the rings in guest RAM are checked against the loaded state before the backend is armed.
        r.on(Stage.LOAD_COMPLETE)
                .id("vhost-net.restart")
                .priority(Priority.AFTER_RAM)
                .handler(destination::complete);
        r.on(Stage.LOAD_REVERT)
                .id("vhost-net.discard")
                .priority(Priority.BEFORE_RAM)
                .handler(destination::discard);
    }

    @Override
    public List<DeviceModel> deviceModels() {
        return List.of(new VhostNetModel());
    }

    private static Optional<VhostNetDevice> deviceOf(Machine machine) {
        return machine.device(VhostNetDevice.class);
    }
}
