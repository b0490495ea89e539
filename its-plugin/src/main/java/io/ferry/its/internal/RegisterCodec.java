package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.its.ItsSection;
import java.nio.ByteBuffer;

/** The register chunk of the ITS section (format in {@link ItsSection}). */
final class RegisterCodec {
    private static final byte ENABLED = 1;

    private RegisterCodec() {}

    static ByteBuffer encode(ItsRegisters r) {
        ItsBases b = r.bases();
        ItsCounters c = r.counters();
        ByteBuffer out = ByteBuffer.allocate(ItsSection.REGISTERS_BYTES);
        out.put(r.enabled() ? ENABLED : 0);
        out.putLong(b.deviceTable()).putInt(b.devices());
        out.putLong(b.collectionTable()).putInt(b.collections());
        out.putLong(b.queue()).putInt(b.queueBytes());
        out.putInt(r.cwriter()).putInt(r.creadr());
        out.putLong(c.processed())
                .putLong(c.rejected())
                .putLong(c.msisDelivered())
                .putLong(c.msisDropped());
        return out.flip();
    }

    /**
     * Decodes a register chunk and checks it against guest RAM of {@code ramBytes}.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    static ItsRegisters decode(ByteBuffer in, long ramBytes) {
        checkArgument(
                in.remaining() == ItsSection.REGISTERS_BYTES,
                "ITS register chunk has %s bytes, expected %s",
                in.remaining(),
                ItsSection.REGISTERS_BYTES);
        byte flags = in.get();
        checkArgument(
                (flags & ~ENABLED) == 0, "ITS register flags 0x%s have reserved bits set", Integer.toHexString(flags));
        ItsBases bases = new ItsBases(in.getLong(), in.getInt(), in.getLong(), in.getInt(), in.getLong(), in.getInt());
        try {
            bases.check(ramBytes);
            int cwriter = in.getInt();
            int creadr = in.getInt();
            ItsCounters counters = new ItsCounters(in.getLong(), in.getLong(), in.getLong(), in.getLong());
            ItsRegisters registers = new ItsRegisters(flags == ENABLED, bases, cwriter, creadr, counters);
            // An enabled ITS processes its queue as commands are written: a source never sends one with
            // commands left, and a restore does not run them (the driver's next command would fail).
            checkArgument(
                    !(registers.enabled() && registers.pending()),
                    "an enabled ITS with commands unprocessed (CWRITER 0x%s, CREADR 0x%s)",
                    Integer.toHexString(cwriter),
                    Integer.toHexString(creadr));
            return registers;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ITS registers: " + e.getMessage(), e);
        }
    }
}
