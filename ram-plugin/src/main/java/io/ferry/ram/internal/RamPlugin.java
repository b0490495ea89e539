package io.ferry.ram.internal;

import aQute.bnd.annotation.Resolution;
import aQute.bnd.annotation.spi.ServiceProvider;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.ram.RamSection;
import org.osgi.service.component.annotations.Component;

/**
 * RAM pre-copy. Source: SETUP starts dirty logging, marks every page dirty and sends the block
 * list; each DIRTY_SYNC drains the vCPU log into the migration bitmap; ITERATE sends dirty pages
 * within the pass budget; COMPLETE (RAM's final pass) drains once more and sends every remaining
 * dirty page; CLEANUP stops dirty logging. Destination: checks the block list against its own
 * RAM and writes pages, validating every address.
 */
// One class for both worlds: a DS component in OSGi, and META-INF/services (written by bnd) for ServiceLoader.
@Component(service = MigrationPlugin.class)
@ServiceProvider(value = MigrationPlugin.class, resolution = Resolution.OPTIONAL)
public final class RamPlugin implements MigrationPlugin {
    public RamPlugin() {}

    @Override
    public String name() {
        return "ram";
    }

    @Override
    public void registerSource(Registrar r) {
        RamSender sender = new RamSender(r.machine().memory());
        r.on(Stage.SETUP)
                .id("ram.setup")
                .priority(Priority.RAM)
                .section(RamSection.ID)
                .handler(sender::setup);
        r.on(Stage.DIRTY_SYNC).id("ram.sync").priority(Priority.RAM).handler(sender::sync);
        r.on(Stage.ITERATE)
                .id("ram.iterate")
                .priority(Priority.RAM)
                .section(RamSection.ID)
                .pendingBytes(sender::pendingBytes)
                .handler(sender::iterate);
        r.on(Stage.COMPLETE)
                .id("ram.final")
                .priority(Priority.RAM)
                .section(RamSection.ID)
                .ramFinalPass()
                .handler(sender::complete);
        r.on(Stage.CLEANUP).id("ram.cleanup").priority(Priority.RAM).handler(sender::cleanup);
    }

    @Override
    public void registerDestination(Registrar r) {
        RamLoader loader = new RamLoader(r.machine().memory());
        r.on(Stage.LOAD)
                .id("ram.load")
                .priority(Priority.RAM)
                .section(RamSection.ID)
                .loader(loader::load);
        r.on(Stage.LOAD_COMPLETE).id("ram.check").priority(Priority.RAM).handler(loader::complete);
    }
}
