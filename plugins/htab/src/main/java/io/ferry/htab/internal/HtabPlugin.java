package io.ferry.htab.internal;

import aQute.bnd.annotation.Resolution;
import aQute.bnd.annotation.spi.ServiceProvider;
import io.ferry.htab.HtabSection;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * htab migration: large device state outside guest RAM in its own iterative chunks (QEMU's spapr
 * htab). Source, for a machine with an htab device: SETUP sends the table size; ITERATE sends
 * changed groups within what is left of the pass budget and reports its pending bytes for the
 * convergence decision; COMPLETE sends the rest. Destination: checks the geometry, rebuilds the
 * table, and checks every group arrived. A machine without the device gets no handlers. A void
 * switchover attempt (downtime-guard) needs no undo on either side, as for RAM: the groups it sent
 * are valid copies the destination keeps, and a group changed after the resume goes out again. (No
 * LOAD_REVERT: dropping the void attempt's groups would lose the ones that do not change again.)
 */
// One class for both worlds: a DS component in OSGi, and META-INF/services (written by bnd) for ServiceLoader.
@Component(service = MigrationPlugin.class)
@ServiceProvider(value = MigrationPlugin.class, resolution = Resolution.OPTIONAL)
public final class HtabPlugin implements MigrationPlugin {
    /** Just after RAM in every stage: RAM spends a pass's shared budget first, the table takes what is left. */
    static final int PRIORITY = Priority.RAM - 100;

    public HtabPlugin() {}

    @Override
    public String name() {
        return HtabModel.NAME;
    }

    @Override
    public void registerSource(Registrar r) {
        r.machine().device(HtabDevice.class).ifPresent(device -> {
            HtabSender sender = new HtabSender(device);
            r.on(Stage.SETUP)
                    .id("htab.setup")
                    .priority(PRIORITY)
                    .section(HtabSection.ID)
                    .handler(sender::setup);
            r.on(Stage.ITERATE)
                    .id("htab.iterate")
                    .priority(PRIORITY)
                    .section(HtabSection.ID)
                    .pendingBytes(sender::pendingBytes)
                    .handler(sender::iterate);
            r.on(Stage.COMPLETE)
                    .id("htab.final")
                    .priority(PRIORITY)
                    .section(HtabSection.ID)
                    .handler(sender::complete);
            r.on(Stage.CLEANUP).id("htab.cleanup").priority(PRIORITY).handler(sender::cleanup);
            // A stepped-back switchover leaves nothing to undo: COMPLETE only sent groups while the vCPUs were
            // stopped (valid copies), and the change log stays on, so every group rewritten after the resume is
            // sent again. Registering REVERT says htab can step back, so downtime-guard stays on with it.
            r.on(Stage.REVERT).id("htab.revert").priority(PRIORITY).handler(ctx -> {});
        });
    }

    @Override
    public void registerDestination(Registrar r) {
        r.machine().device(HtabDevice.class).ifPresent(device -> {
            HtabLoader loader = new HtabLoader(device);
            r.on(Stage.LOAD)
                    .id("htab.load")
                    .priority(PRIORITY)
                    .section(HtabSection.ID)
                    .loader(loader::load);
            r.on(Stage.LOAD_COMPLETE).id("htab.check").priority(PRIORITY).handler(loader::complete);
        });
    }

    @Override
    public List<DeviceModel> deviceModels() {
        return List.of(new HtabModel());
    }
}
