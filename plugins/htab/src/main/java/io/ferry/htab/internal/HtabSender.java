package io.ferry.htab.internal;

import io.ferry.htab.HtabGeometry;
import io.ferry.htab.HtabSection;
import io.ferry.machine.DirtyBitmap;
import io.ferry.pipeline.StageContext;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The source half of one htab migration. SETUP turns change logging on, marks every group to send
 * and sends the header; each ITERATE drains the device's log into its send bitmap and sends
 * groups within the pass budget, resuming after the last group it sent; COMPLETE (the vCPUs
 * stopped, so the table is still) sends every group left.
 *
 * <p>A group's bit is cleared before the group is copied, and the device marks a group after
 * writing it, so an update racing with the copy marks the group again and it goes out in a
 * later pass. Groups are copied into a staging buffer, so each chunk's checksum covers exactly
 * what is sent. Used only by the migration thread.
 */
final class HtabSender {
    static final int MAX_BATCH_GROUPS = 256;

    private final HtabDevice device;
    private final HtabGeometry geometry;
    private final DirtyBitmap toSend;
    private ByteBuffer staging;
    private int maxBatch = MAX_BATCH_GROUPS;
    private long cursor;
    private boolean started;

    HtabSender(HtabDevice device) {
        this.device = device;
        this.geometry = device.geometry();
        this.toSend = new DirtyBitmap(geometry.groups());
    }

    void setup(StageContext ctx) throws IOException {
        int room = (ctx.chunks().maxChunkSize() - HtabSection.GROUPS_PREFIX) / HtabSection.GROUP_RECORD;
        maxBatch = Math.max(1, Math.min(MAX_BATCH_GROUPS, room));
        staging = ByteBuffer.allocateDirect(HtabSection.GROUPS_PREFIX + maxBatch * HtabSection.GROUP_RECORD);
        device.changedGroups().enable();
        toSend.setAll();
        started = true;
        ctx.chunks()
                .emit(ByteBuffer.allocate(HtabSection.HEADER_BYTES)
                        .put(HtabSection.HEADER)
                        .putLong(geometry.tableBytes())
                        .putInt(HtabGeometry.ENTRY_BYTES)
                        .putInt(HtabGeometry.GROUP_BYTES)
                        .flip());
    }

    void iterate(StageContext ctx) throws IOException {
        device.changedGroups().drainInto(toSend);
        send(ctx, ctx.budget());
    }

    void complete(StageContext ctx) throws IOException {
        device.changedGroups().drainInto(toSend);
        send(ctx, Long.MAX_VALUE);
    }

    void cleanup(StageContext ctx) {
        device.changedGroups().disable();
    }

    /** Bytes still to send: groups waiting in the send bitmap or changed since the last drain. */
    long pendingBytes() {
        long groups = started ? toSend.count() + device.changedGroups().peekCount() : geometry.groups();
        return groups * HtabSection.GROUP_RECORD;
    }

    private void send(StageContext ctx, long budget) throws IOException {
        long sent = 0;
        while (sent < budget && !toSend.isEmpty() && !ctx.isCancelled()) {
            // Size the last batch of a pass to the budget left, so a pass overshoots by less than one group.
            long wanted = (budget - sent) / HtabSection.GROUP_RECORD + 1;
            sent += emitBatch(ctx, (int) Math.min(maxBatch, wanted));
        }
    }

    /** Emits up to {@code groups} waiting groups as one chunk; returns its payload bytes. */
    private long emitBatch(StageContext ctx, int groups) throws IOException {
        staging.clear().put(HtabSection.GROUPS).putInt(0);
        int n = 0;
        for (long g = nextWaiting(); g >= 0 && n < groups; g = nextWaiting()) {
            toSend.clear(g);
            cursor = g + 1;
            staging.putInt((int) g);
            device.copyGroup((int) g, staging);
            n++;
        }
        staging.putInt(1, n).flip();
        long bytes = staging.remaining();
        ctx.chunks().emit(staging);
        return bytes;
    }

    private long nextWaiting() {
        long g = toSend.nextDirty(cursor);
        return g >= 0 ? g : toSend.nextDirty(0);
    }
}
