package io.ferry.its.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CommandCodecTest {
    static Stream<ItsCommand> commands() {
        return Stream.of(
                new ItsCommand.MapD(65535, 16, 0x000F_FFFF_FFFF_FF00L, true),
                ItsCommand.MapD.unmap(7),
                new ItsCommand.MapC(255, 7, true),
                new ItsCommand.MapC(3, 0, false),
                new ItsCommand.MapTi(9, 65535, 65535, 12),
                new ItsCommand.MapI(1, 8192, 4),
                new ItsCommand.Movi(2, 3, 4),
                new ItsCommand.Discard(5, 6),
                new ItsCommand.Inv(7, 8),
                new ItsCommand.Sync(6));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandDecodesToWhatWasEncoded(ItsCommand command) throws Exception {
        assertThat(CommandCodec.decode(CommandCodec.encode(command))).isEqualTo(command);
    }

    @Test
    void fieldsSitWhereGicV3PutsThem() {
        assertThat(CommandCodec.encode(new ItsCommand.MapTi(0x12, 0x34, 0x2345, 0x6)))
                .containsExactly(0x0000_0012_0000_000AL, 0x0000_2345_0000_0034L, 0x6L, 0L);
        assertThat(CommandCodec.encode(new ItsCommand.MapD(3, 5, 0x1234_5600L, true)))
                .containsExactly(0x0000_0003_0000_0008L, 4L, 0x8000_0000_1234_5600L, 0L);
        assertThat(CommandCodec.encode(new ItsCommand.MapC(9, 2, true)))
                .containsExactly(0x09L, 0L, 0x8000_0000_0002_0009L, 0L);
    }

    @Test
    void unknownOpcodeIsMalformed() {
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {0x3F, 0, 0, 0}))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessage("unknown command opcode 0x3f");
    }

    @Test
    void reservedBitsAreMalformed() {
        long[] dw = CommandCodec.encode(new ItsCommand.Discard(1, 2));
        dw[3] = 1L << 40;
        assertThatThrownBy(() -> CommandCodec.decode(dw))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessage("DISCARD: reserved bits 0x10000000000 set in DW3");
        long[] sync = {CommandCodec.SYNC | 1L << 32, 0, 0, 0};
        assertThatThrownBy(() -> CommandCodec.decode(sync))
                .hasMessageContaining("SYNC: reserved bits 0x100000000 set in DW0");
    }

    @Test
    void fieldsOutOfRangeAreMalformed() {
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {CommandCodec.MAPD, 16, 1L << 63 | 0x1000, 0}))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessageContaining("MAPD: event bits 17 outside [1, 16]");
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {CommandCodec.MAPTI, 100L << 32, 0, 0}))
                .hasMessageContaining("MAPTI: pINTID 100 is not an LPI");
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {CommandCodec.MAPC, 0, 1L << 63 | 8L << 16, 0}))
                .hasMessageContaining("MAPC: target vCPU 8 outside [0, 8)");
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {CommandCodec.MAPC, 0, 1L << 63 | 1L << 48, 0}))
                .hasMessageContaining("MAPC: target vCPU 4294967296 outside");
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {CommandCodec.MOVI | 65536L << 32, 0, 0, 0}))
                .hasMessageContaining("MOVI: DeviceID 65536 outside [0, 65536)");
        assertThatThrownBy(() -> CommandCodec.decode(new long[] {CommandCodec.MAPD, 0, 0x1000, 0}))
                .hasMessageContaining("MAPD with V=0 carries neither event bits");
    }
}
