package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.pipeline.StageContext;
import java.nio.ByteBuffer;

/**
 * The destination half, one per incoming migration: LOAD decodes and checks the register chunk
 * and keeps it aside; LOAD_COMPLETE (after RAM) restores the device from it and the tables in
 * guest RAM. The device sees nothing until everything has been checked.
 */
final class ItsRestorer {
    private final ItsDevice device;
    private final long ramBytes;
    private ItsRegisters saved;

    ItsRestorer(ItsDevice device, long ramBytes) {
        this.device = device;
        this.ramBytes = ramBytes;
    }

    void load(StageContext ctx, ByteBuffer payload) {
        checkState(saved == null, "a second ITS register chunk arrived");
        saved = RegisterCodec.decode(payload, ramBytes);
    }

    /**
     * LOAD_REVERT: the attempt is void, so its register chunk is forgotten (the next attempt sends
     * its own, which {@link #load} would otherwise refuse as a second one).
     *
     * <p>The device is deliberately not reset, though this attempt's LOAD_COMPLETE may already have
     * restored it (VOID can come after the ACK). That is safe for two reasons, both shown by
     * {@code ItsStepBackTest}: the ITS only acts when a vCPU writes CWRITER or raises an MSI, and the
     * destination's vCPUs (its driver) do not run before COMMIT, so the void state is inert and
     * nothing reads or changes it; and every attempt that reaches COMMIT ran LOAD_COMPLETE, whose
     * {@link ItsDevice#restore} replaces the registers and the whole cache (rebuilt from the tables
     * as the final attempt's RAM has them), so nothing of the void attempt survives. A restore that
     * fails leaves the void state in place, but then the migration fails and the machine never runs.
     */
    void discard(StageContext ctx) {
        saved = null;
    }

    void restore(StageContext ctx) throws CorruptTableException {
        checkState(saved != null, "the stream carried no ITS registers, but this machine has an ITS");
        device.restore(saved);
    }
}
