package io.ferry.its.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.ItsSection;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class RegisterCodecTest {
    private final TestGuest guest = new TestGuest();

    @Test
    void registersRoundTrip() {
        guest.mapOne(1, 3, 8200, 2, 5);
        guest.its.signalMsi(1, 3);
        ItsRegisters regs = guest.its.registers();
        ByteBuffer chunk = RegisterCodec.encode(regs);
        assertThat(chunk.remaining()).isEqualTo(ItsSection.REGISTERS_BYTES);
        assertThat(RegisterCodec.decode(chunk, TestGuest.RAM)).isEqualTo(regs);
    }

    @Test
    void aChunkOfTheWrongSizeIsRefused() {
        assertThatThrownBy(() -> RegisterCodec.decode(ByteBuffer.allocate(76), TestGuest.RAM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ITS register chunk has 76 bytes, expected 77");
    }

    @Test
    void aTablePointingOutsideThisMachinesRamIsRefused() {
        ByteBuffer chunk = RegisterCodec.encode(guest.its.registers());
        assertThatThrownBy(() -> RegisterCodec.decode(chunk, 4 << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "ITS registers: device table [0x705000, +0x400) lies outside guest RAM of 4194304");
    }

    /** An enabled ITS with commands left could only come from a corrupt stream: restored, they never ran. */
    @Test
    void anEnabledItsWithCommandsUnprocessedIsRefused() {
        guest.mapOne(1, 3, 8200, 2, 5);
        ItsRegisters regs = guest.its.registers();
        assertThat(regs.enabled()).isTrue();
        ByteBuffer chunk = RegisterCodec.encode(regs);
        int cwriter = (regs.creadr() + 32) % (int) regs.bases().queueBytes();
        chunk.putInt(1 + 36, cwriter);
        assertThatThrownBy(() -> RegisterCodec.decode(chunk, TestGuest.RAM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("an enabled ITS with commands unprocessed (CWRITER 0x"
                        + Integer.toHexString(cwriter) + ", CREADR 0x" + Integer.toHexString(regs.creadr()) + ")");
    }

    @Test
    void badFlagsPointersAndCountersAreRefused() {
        ByteBuffer flags = RegisterCodec.encode(guest.its.registers());
        flags.put(0, (byte) 3);
        assertThatThrownBy(() -> RegisterCodec.decode(flags, TestGuest.RAM)).hasMessageContaining("reserved bits set");
        ByteBuffer creadr = RegisterCodec.encode(guest.its.registers());
        creadr.putInt(1 + 36 + 4, 40);
        assertThatThrownBy(() -> RegisterCodec.decode(creadr, TestGuest.RAM))
                .hasMessageContaining("CREADR 0x28 is not a 32-byte aligned offset");
        ByteBuffer counters = RegisterCodec.encode(guest.its.registers());
        counters.putLong(1 + 36 + 8 + 8, 5); // more rejected than processed
        assertThatThrownBy(() -> RegisterCodec.decode(counters, TestGuest.RAM))
                .hasMessageContaining("5 commands rejected of 0 processed");
        ByteBuffer enabledEmpty = RegisterCodec.encode(ItsRegisters.RESET);
        enabledEmpty.put(0, (byte) 1);
        assertThatThrownBy(() -> RegisterCodec.decode(enabledEmpty, TestGuest.RAM))
                .hasMessageContaining("an enabled ITS needs every base programmed");
    }
}
