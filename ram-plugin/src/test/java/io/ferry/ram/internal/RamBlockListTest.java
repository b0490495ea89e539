package io.ferry.ram.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.ram.MalformedRamChunkException;
import io.ferry.ram.RamSection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The BLOCKS chunk: sent once, exactly as long as its entries, and a different layout refused naming both. */
class RamBlockListTest {
    private static final long MIB = 1 << 20;

    private final GuestMemory memory =
            GuestMemory.builder().block("ram", 4 * MIB).block("vram", MIB).build();
    private final RamLoader loader = new RamLoader(memory);

    @Test
    void theSameLayoutIsAccepted() {
        assertThatCode(() -> load(blocks(0, "ram", 4 * MIB, "vram", MIB))).doesNotThrowAnyException();
    }

    @Test
    void bytesAfterTheLastEntryAreRefused() {
        assertThatThrownBy(() -> load(blocks(3, "ram", 4 * MIB, "vram", MIB)))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessage("RAM block list has 3 bytes after its 2 entries");
    }

    @Test
    void aSecondBlockListIsRefused() {
        load(blocks(0, "ram", 4 * MIB, "vram", MIB));
        assertThatThrownBy(() -> load(blocks(0, "ram", 4 * MIB, "vram", MIB)))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessage("a second RAM block list: it is sent once, at SETUP");
    }

    @Test
    void aDifferentNumberOfBlocksIsRefusedNamingBothLayouts() {
        assertThatThrownBy(() -> load(blocks(0, "ram", 4 * MIB)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("source has 1 RAM block(s) ['ram' of 4.0 MiB], destination has 2 ['ram' of 4.0 MiB,"
                        + " 'vram' of 1.0 MiB]");
    }

    @Test
    void aDifferentBlockIsRefusedNamingBoth() {
        assertThatThrownBy(() -> load(blocks(0, "ram", 4 * MIB, "vram", 2 * MIB)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("source RAM block 1 is 'vram' of 2.0 MiB, destination's is 'vram' of 1.0 MiB");
    }

    private void load(ByteBuffer chunk) {
        loader.load(TestStageContext.destination(n -> {}), chunk);
    }

    /** A BLOCKS chunk of (name, size) pairs, with {@code extra} zero bytes after the entries. */
    private static ByteBuffer blocks(int extra, Object... nameAndSize) {
        ByteBuffer b = ByteBuffer.allocate(1024);
        b.put(RamSection.BLOCKS).putShort((short) (nameAndSize.length / 2));
        for (int i = 0; i < nameAndSize.length; i += 2) {
            byte[] name = ((String) nameAndSize[i]).getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name).putLong((Long) nameAndSize[i + 1]);
        }
        b.put(new byte[extra]);
        return b.flip();
    }
}
