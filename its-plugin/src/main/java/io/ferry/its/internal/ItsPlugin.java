package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import aQute.bnd.annotation.Resolution;
import aQute.bnd.annotation.spi.ServiceProvider;
import io.ferry.its.ItsSection;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageContext;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/**
 * Migrates an {@link ItsDevice}, the case the framework was built for: the ITS's authoritative
 * mappings sit in its cache, so once the vCPUs stop it must write them into guest RAM before
 * RAM's final pass sends that RAM, and emit no chunk for them.
 *
 * <pre>
 * source       COMPLETE       BEFORE_RAM  its.flush      no chunk       cache -> tables, tracked path
 *              COMPLETE       BEFORE_RAM  its.registers  its/0 v1       the register chunk
 * destination  LOAD           BEFORE_RAM  its.load       its/0 v1       decode and check the registers
 *              LOAD_COMPLETE  AFTER_RAM   its.restore    no chunk       tables -> new cache, then enable
 * </pre>
 *
 * Machines without an ITS get no handlers. Immutable and thread-safe; all per-migration state
 * lives in objects made at registration.
 */
// One class for both worlds: a DS component in OSGi, and META-INF/services (written by bnd) for ServiceLoader.
@Component(service = MigrationPlugin.class)
@ServiceProvider(value = MigrationPlugin.class, resolution = Resolution.OPTIONAL)
public final class ItsPlugin implements MigrationPlugin {
    private final FlushPlacement flush;

    /** The plugin as deployed: flush before RAM's final pass. */
    public ItsPlugin() {
        this(FlushPlacement.beforeRam());
    }

    /** A plugin whose flush runs elsewhere or not at all (tests that show what goes wrong then). */
    public ItsPlugin(FlushPlacement flush) {
        this.flush = checkNotNull(flush, "flush");
    }

    @Override
    public String name() {
        return "its";
    }

    @Override
    public void registerSource(Registrar r) {
        Optional<ItsDevice> found = r.machine().device(ItsDevice.class);
        if (found.isEmpty()) {
            return;
        }
        ItsDevice device = found.get();
        if (flush instanceof FlushPlacement.At at) {
            r.on(Stage.COMPLETE).id(ItsSection.FLUSH).priority(at.priority()).handler(ctx -> {
                checkStopped(ctx);
                device.flush(ctx.machine().memory().tracked()); // dirty-logged: RAM's final pass sends the tables
            });
        }
        r.on(Stage.COMPLETE)
                .id(ItsSection.REGISTERS)
                .priority(Priority.BEFORE_RAM)
                .section(ItsSection.ID)
                .handler(ctx -> {
                    checkStopped(ctx);
                    ctx.chunks().emit(RegisterCodec.encode(device.registers()));
                });
        // Flushing and reading the registers leave nothing to undo if the switchover steps back; registering
        // REVERT declares that the ITS can (its destination drops the void attempt's registers at LOAD_REVERT).
        r.on(Stage.REVERT).id("its.revert").priority(Priority.BEFORE_RAM).handler(ctx -> {});
    }

    @Override
    public void registerDestination(Registrar r) {
        Optional<ItsDevice> found = r.machine().device(ItsDevice.class);
        if (found.isEmpty()) {
            return;
        }
        ItsRestorer restorer = new ItsRestorer(found.get(), r.machine().memory().size());
        r.on(Stage.LOAD)
                .id(ItsSection.LOAD)
                .priority(Priority.BEFORE_RAM)
                .section(ItsSection.ID)
                .loader(restorer::load);
        r.on(Stage.LOAD_COMPLETE)
                .id(ItsSection.RESTORE)
                .priority(Priority.AFTER_RAM)
                .handler(restorer::restore);
        r.on(Stage.LOAD_REVERT).id("its.discard").priority(Priority.BEFORE_RAM).handler(restorer::discard);
    }

    @Override
    public List<DeviceModel> deviceModels() {
        return List.of(new ItsDeviceModel());
    }

    /** The cache is only final once the vCPUs, which post commands, are stopped. */
    private static void checkStopped(StageContext ctx) {
        checkState(
                !ctx.machine().runState().isRunning(),
                "machine %s is running: the ITS state is not final",
                ctx.machine().name());
    }

    @Override
    public String toString() {
        return "ItsPlugin[flush=" + flush + "]";
    }
}
