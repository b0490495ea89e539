package io.ferry.vhost.internal;

import aQute.bnd.annotation.Resolution;
import aQute.bnd.annotation.spi.ServiceProvider;
import org.osgi.service.component.annotations.Component;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.vhost.VhostNetSection;
import java.util.List;
import java.util.Optional;

/**
 * vhost-net migration. Source, for a machine with a vhost-net device: SETUP turns the backend's
 * dirty log on; DIRTY_SYNC merges it into the migration bitmap before RAM collects it; COMPLETE,
 * before RAM's final pass, stops the backend, merges its last log and emits the ring state;
 * CLEANUP turns the log off. Destination: loads the ring state, and once RAM is loaded checks the
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
     * For tests that prove the log is needed: a plugin that never merges the backend's dirty log
     * (no DIRTY_SYNC handler, no final merge), like a vhost backend without log support.
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
        VhostNetSource source = new VhostNetSource(device.get(), mergeLog);
        r.on(Stage.SETUP).id("vhost-net.log-start").priority(Priority.BEFORE_RAM).handler(source::setup);
        if (mergeLog) {
            r.on(Stage.DIRTY_SYNC).id("vhost-net.log-sync").priority(Priority.BEFORE_RAM).handler(source::sync);
        }
        r.on(Stage.COMPLETE).id("vhost-net.stop").priority(Priority.BEFORE_RAM).section(VhostNetSection.ID)
                .handler(source::complete);
        r.on(Stage.CLEANUP).id("vhost-net.log-stop").priority(Priority.BEFORE_RAM).handler(source::cleanup);
    }

    @Override
    public void registerDestination(Registrar r) {
        Optional<VhostNetDevice> device = deviceOf(r.machine());
        if (device.isEmpty()) {
            return;
        }
        VhostNetDestination destination = new VhostNetDestination(device.get());
        r.on(Stage.LOAD).id("vhost-net.load").priority(Priority.BEFORE_RAM).section(VhostNetSection.ID)
                .loader(destination::load);
        // After RAM: the rings in guest RAM are checked against the loaded state before the backend is armed.
        r.on(Stage.LOAD_COMPLETE).id("vhost-net.restart").priority(Priority.AFTER_RAM).handler(destination::complete);
    }

    @Override
    public List<DeviceModel> deviceModels() {
        return List.of(new VhostNetModel());
    }

    private static Optional<VhostNetDevice> deviceOf(Machine machine) {
        return machine.device(VhostNetDevice.class);
    }
}
