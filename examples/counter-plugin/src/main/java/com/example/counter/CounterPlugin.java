package com.example.counter;

import aQute.bnd.annotation.Resolution;
import aQute.bnd.annotation.spi.ServiceProvider;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Stage;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.service.component.annotations.Component;

/**
 * Migrates a {@link CounterDevice} with one handler of each kind, and its dirty log:
 *
 * <pre>
 * source       COMPLETE       BEFORE_RAM+10  counter.flush  no chunk      register -> mailbox page (tracked)
 *              COMPLETE       BEFORE_RAM     counter.state  counter/0 v1  the register as a chunk
 *              dirty log      counter0                                    the pages the device wrote by DMA
 * destination  LOAD           BEFORE_RAM     counter.load   counter/0 v1  chunk -> register
 *              LOAD_COMPLETE  AFTER_RAM      counter.check  no chunk      register arrived; mailbox and status page (with RAM) = register?
 * </pre>
 *
 * The flush runs before RAM's final pass, so the mailbox it writes is sent with RAM; the check
 * runs once RAM is loaded. The device's DMA log, registered with {@code Registrar.dirtyLog}, is
 * merged by the engine into RAM's bitmap at every DIRTY_SYNC and before RAM's final pass, so the
 * status page goes out again whenever the device rewrote it; without it the destination's status
 * page would be stale. Machines without the device get no handlers.
 */
@Component(service = MigrationPlugin.class)
@ServiceProvider(value = MigrationPlugin.class, resolution = Resolution.OPTIONAL)
public final class CounterPlugin implements MigrationPlugin {
    /** The register's section: a chunk of one big-endian long. */
    public static final SectionId SECTION = SectionId.of("counter", 0, 1);

    @Override
    public String name() {
        return "counter";
    }

    @Override
    public void registerSource(Registrar r) {
        r.machine().device(CounterDevice.class).ifPresent(device -> {
            r.on(Stage.COMPLETE)
                    .id("counter.flush")
                    .priority(Priority.BEFORE_RAM + 10)
                    .handler(ctx -> device.flush(ctx.machine().memory().tracked()));
            r.on(Stage.COMPLETE)
                    .id("counter.state")
                    .priority(Priority.BEFORE_RAM)
                    .section(SECTION)
                    .handler(ctx ->
                            ctx.chunks().emit(ByteBuffer.allocate(Long.BYTES).putLong(0, device.value())));
            r.dirtyLog(device.dmaLog());
        });
    }

    @Override
    public void registerDestination(Registrar r) {
        r.machine().device(CounterDevice.class).ifPresent(device -> {
            // Registration is per migration, so this is the migration's own: did the register arrive?
            AtomicBoolean loaded = new AtomicBoolean();
            r.on(Stage.LOAD)
                    .id("counter.load")
                    .priority(Priority.BEFORE_RAM)
                    .section(SECTION)
                    .loader((ctx, payload) -> {
                        if (payload.remaining() != Long.BYTES) {
                            throw new IllegalArgumentException(
                                    "counter chunk has " + payload.remaining() + " bytes, expected 8");
                        }
                        device.load(payload.getLong(payload.position()));
                        loaded.set(true);
                    });
            r.on(Stage.LOAD_COMPLETE)
                    .id("counter.check")
                    .priority(Priority.AFTER_RAM)
                    .handler(ctx -> {
                        if (!loaded.get()) { // a source without the device: zero RAM would agree with a zero register
                            throw new IllegalStateException(
                                    "the stream carried no counter register: the source has no counter device");
                        }
                        long mailbox = device.mailbox(ctx.machine().memory().untracked());
                        long status = device.status(ctx.machine().memory().untracked());
                        if (mailbox != device.value() || status != device.value()) {
                            throw new IllegalStateException("mailbox holds " + mailbox + " and the status page "
                                    + status + " but the register " + device.value());
                        }
                    });
        });
    }

    @Override
    public List<DeviceModel> deviceModels() {
        return List.of(new CounterModel());
    }
}
