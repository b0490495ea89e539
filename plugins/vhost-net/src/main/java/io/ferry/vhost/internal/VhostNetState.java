package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.vhost.RxRingLayout;
import io.ferry.vhost.VhostNetSection;
import java.nio.ByteBuffer;

/**
 * The device state the vhost-net section carries, and its chunk format (see
 * {@link VhostNetSection}).
 */
record VhostNetState(RxRingLayout layout, long features, RxQueueState queue, long seed) {

    VhostNetState {
        checkArgument(
                Integer.compareUnsigned(queue.lastAvail() - queue.used(), layout.queueSize()) <= 0,
                "last avail index %s and used index %s are further apart than the queue size %s",
                Integer.toUnsignedString(queue.lastAvail()),
                Integer.toUnsignedString(queue.used()),
                layout.queueSize());
    }

    ByteBuffer encode() {
        return ByteBuffer.allocate(VhostNetSection.STATE_BYTES)
                .putLong(layout.base())
                .putInt(layout.queueSize())
                .putInt(layout.bufferSize())
                .putLong(features)
                .putInt(queue.lastAvail())
                .putInt(queue.used())
                .putLong(queue.nextSeq())
                .putLong(seed)
                .flip();
    }

    /**
     * Reads a state chunk.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static VhostNetState decode(ByteBuffer payload) {
        checkArgument(
                payload.remaining() == VhostNetSection.STATE_BYTES,
                "vhost-net state chunk has %s bytes, expected %s",
                payload.remaining(),
                VhostNetSection.STATE_BYTES);
        ByteBuffer p = payload.duplicate();
        RxRingLayout layout = new RxRingLayout(p.getLong(), p.getInt(), p.getInt());
        long features = p.getLong();
        RxQueueState queue = new RxQueueState(p.getInt(), p.getInt(), p.getLong());
        return new VhostNetState(layout, features, queue, p.getLong());
    }
}
