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
     * attempt brings a new one (which {@link #load} would otherwise refuse as a second one).
     *
     * <p>The backend is deliberately not reset, though this attempt's LOAD_COMPLETE may already have
     * armed it at the void attempt's indices (VOID can come after the ACK). That is safe because the
     * backend runs only while the machine runs ({@link VhostNetDevice} follows the run state) and the
     * destination's machine does not run before COMMIT: armed, it writes no guest RAM while the
     * following passes load. Every attempt that reaches COMMIT ran LOAD_COMPLETE, whose
     * {@link VhostNetDevice#restore} re-arms the stopped backend with that attempt's indices, features
     * and seed, replacing all of the void attempt's state. {@code VhostNetStepBackTest} shows both
     * (the backend delivers nothing between the VOID and the next restart; the destination ends with
     * the committing attempt's state). A backend that did run then would write packets into guest
     * RAM as the passes load, leaving the used ring ahead of the state the committing attempt sends.
     */
    void discard(StageContext ctx) {
        loaded = null;
    }
}
