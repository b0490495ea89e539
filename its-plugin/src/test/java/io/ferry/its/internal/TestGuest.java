package io.ferry.its.internal;

import io.ferry.its.ItsLayout;
import io.ferry.machine.GuestMemory;

/** An enabled ITS in a small guest, and a way to post commands to it as a driver would. */
final class TestGuest {
    static final long RAM = 8 << 20;

    final GuestMemory memory;
    final ItsLayout layout;
    final ItsDevice its;

    TestGuest() {
        memory = GuestMemory.of(RAM);
        layout = ItsLayout.of(memory);
        its = new ItsDevice(memory);
        its.program(ItsDriver.bases(layout));
        its.enable();
    }

    void post(ItsCommand... commands) {
        for (ItsCommand c : commands) {
            postRaw(CommandCodec.encode(c));
        }
    }

    /** Writes four double words at CWRITER and advances it. */
    void postRaw(long... dw) {
        int slot = its.registers().cwriter();
        for (int i = 0; i < dw.length; i++) {
            memory.tracked().writeLong(layout.queue() + slot + (long) i * Long.BYTES, dw[i]);
        }
        its.writeCwriter((slot + ItsLimits.COMMAND_BYTES) % ItsLayout.QUEUE_BYTES);
    }

    /** Maps device {@code d} (5 event bits, its layout ITT slot), collection {@code c} to {@code vcpu}, event {@code e} to {@code intId} in {@code c}. */
    void mapOne(int d, int e, int intId, int c, int vcpu) {
        post(
                new ItsCommand.MapD(d, 5, layout.itt(d), true),
                new ItsCommand.MapC(c, vcpu, true),
                new ItsCommand.MapTi(d, e, intId, c));
    }
}
