package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * The ITS register file: control (enabled), the base registers, the queue's write and read
 * pointers (byte offsets into the ring) and the counters. Small and fixed-size: it travels as the
 * ITS section's one chunk.
 */
public record ItsRegisters(boolean enabled, ItsBases bases, int cwriter, int creadr, ItsCounters counters) {
    /** A device out of reset: disabled, nothing programmed. */
    public static final ItsRegisters RESET = new ItsRegisters(false, ItsBases.NONE, 0, 0, ItsCounters.ZERO);

    public ItsRegisters {
        checkNotNull(bases, "bases");
        checkNotNull(counters, "counters");
        checkArgument(!enabled || bases.programmed(), "an enabled ITS needs every base programmed: %s", bases);
        checkPointer("CWRITER", cwriter, bases.queueBytes());
        checkPointer("CREADR", creadr, bases.queueBytes());
    }

    /** Whether the queue holds commands not yet processed. */
    public boolean pending() {
        return cwriter != creadr;
    }

    ItsRegisters withEnabled(boolean on) {
        return new ItsRegisters(on, bases, cwriter, creadr, counters);
    }

    ItsRegisters withCwriter(int offset) {
        return new ItsRegisters(enabled, bases, offset, creadr, counters);
    }

    /** CREADR moved past one command, counted as accepted or rejected. */
    ItsRegisters afterCommand(boolean accepted) {
        int next = (creadr + ItsLimits.COMMAND_BYTES) % bases.queueBytes();
        return new ItsRegisters(enabled, bases, cwriter, next, counters.afterCommand(accepted));
    }

    ItsRegisters afterMsi(boolean delivered) {
        return new ItsRegisters(enabled, bases, cwriter, creadr, counters.afterMsi(delivered));
    }

    private static void checkPointer(String name, int offset, int queueBytes) {
        checkArgument(
                offset >= 0 && offset % ItsLimits.COMMAND_BYTES == 0 && (offset < queueBytes || offset == 0),
                "%s 0x%s is not a 32-byte aligned offset inside the %s-byte command queue",
                name,
                Integer.toHexString(offset),
                queueBytes);
    }
}
