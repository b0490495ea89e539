package io.ferry.vhost.internal;

import io.ferry.pipeline.StageContext;
import java.io.IOException;

/**
 * The source half of one migration of a vhost-net device, QEMU's vhost log_sync and stop: the
 * backend's dirty log is on from SETUP, merged into the migration bitmap at every DIRTY_SYNC, and
 * once more at COMPLETE after the backend has stopped, before RAM's final pass sends it.
 */
final class VhostNetSource {
    private final VhostNetDevice device;
    private final boolean mergeLog;

    VhostNetSource(VhostNetDevice device, boolean mergeLog) {
        this.device = device;
        this.mergeLog = mergeLog;
    }

    /** SETUP: log from now on; what the backend wrote before is covered by RAM marking every page dirty. */
    void setup(StageContext ctx) {
        device.dirtyLog().enable();
    }

    /** DIRTY_SYNC: the vhost log_sync. */
    void sync(StageContext ctx) {
        device.syncDirtyLog(ctx.migrationBitmap());
    }

    /** COMPLETE: stop the backend for good, merge its last writes, send the ring state. */
    void complete(StageContext ctx) throws IOException {
        device.stopBackend();
        if (mergeLog) {
            device.dirtyLog().drainInto(ctx.migrationBitmap());
        }
        ctx.chunks().emit(device.state().encode());
    }

    void cleanup(StageContext ctx) {
        device.dirtyLog().disable();
    }
}
