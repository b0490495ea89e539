package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.pipeline.StageContext;
import java.nio.ByteBuffer;

/**
 * The destination half: takes the one state chunk, and once guest RAM is loaded checks the rings
 * against it and arms the backend at the saved indices. The backend starts when the machine runs.
 */
final class VhostNetDestination {
    private final VhostNetDevice device;
    private VhostNetState loaded;

    VhostNetDestination(VhostNetDevice device) {
        this.device = device;
    }

    void load(StageContext ctx, ByteBuffer payload) {
        checkState(loaded == null, "a second vhost-net state chunk arrived");
        VhostNetState state = VhostNetState.decode(payload);
        device.checkCompatible(state);
        loaded = state;
    }

    void complete(StageContext ctx) {
        checkState(loaded != null, "the stream carried no vhost-net state");
        device.checkGuestRing(loaded);
        device.restore(loaded);
    }

    /**
     * LOAD_REVERT: the source voided the attempt; its state chunk is forgotten and the next
     * attempt brings a new one. The backend stays idle (the machine does not run) until that one
     * re-arms it.
     */
    void discard(StageContext ctx) {
        loaded = null;
    }
}
