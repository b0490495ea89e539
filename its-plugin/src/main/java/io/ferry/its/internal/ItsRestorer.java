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

    /** LOAD_REVERT: the attempt is void; the next one sends the registers again (and restores over this one). */
    void discard(StageContext ctx) {
        saved = null;
    }

    void restore(StageContext ctx) throws CorruptTableException {
        checkState(saved != null, "the stream carried no ITS registers, but this machine has an ITS");
        device.restore(saved);
    }
}
