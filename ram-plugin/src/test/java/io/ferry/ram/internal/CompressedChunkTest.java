package io.ferry.ram.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.MalformedRamChunkException;
import io.ferry.ram.RamSection;
import io.ferry.ram.RamSection.RunEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The destination's checks of batches, compressed ones above all: verify everything, then apply; a bad batch writes nothing. */
class CompressedChunkTest {
    private static final int PAGES = 64;

    private GuestMemory memory;
    private RamLoader loader;
    private long recorded;

    @BeforeEach
    void setUp() {
        memory = GuestMemory.of(PAGES * (long) GuestMemory.PAGE_SIZE);
        loader = new RamLoader(memory);
        loader.load(context(), blockList());
    }

    @Test
    void aValidBatchOfEachCodecIsApplied() {
        for (int code : new int[] {RamSection.CODEC_LZ4, RamSection.CODEC_ZSTD}) {
            ByteBuffer pages = pageData(3, (byte) code);
            loader.load(context(), batch(code, 10, 3, compress(code, pages.duplicate())));
            ByteBuffer back = ByteBuffer.allocate(3 * GuestMemory.PAGE_SIZE);
            memory.untracked().read(10L * GuestMemory.PAGE_SIZE, back);
            assertThat(back.flip()).isEqualTo(pages);
        }
        assertThat(recorded).isEqualTo(6);
    }

    @Test
    void dataThatDecompressesToFewerOrMoreBytesThanTheRunsNeedIsRefused() {
        ByteBuffer two = compress(RamSection.CODEC_ZSTD, pageData(2, (byte) 1));
        assertThatThrownBy(() -> loader.load(context(), batch(RamSection.CODEC_ZSTD, 0, 3, two.duplicate())))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessageContaining("decompress");
        ByteBuffer four = compress(RamSection.CODEC_LZ4, pageData(4, (byte) 1));
        assertThatThrownBy(() -> loader.load(context(), batch(RamSection.CODEC_LZ4, 0, 3, four)))
                .isInstanceOf(MalformedRamChunkException.class);
        assertUntouched();
    }

    /**
     * A batch carries at most 1020 runs (docs/stream-format.md); the loader took more, and for
     * XBZRLE runs sized its decode buffer by their count: about 19 bytes of frame bought a page of
     * direct memory.
     */
    @Test
    void aBatchOfMoreRunsThanTheFormatAllowsIsRefusedBeforeAnythingIsWritten() {
        int runs = RamSender.MAX_RUNS + 1;
        GuestMemory big = GuestMemory.of(2048L * GuestMemory.PAGE_SIZE);
        RamLoader bigLoader = new RamLoader(big);
        bigLoader.load(context(), blockList(big));
        big.untracked().write(0, ByteBuffer.wrap(new byte[] {1}));
        ByteBuffer chunk = ByteBuffer.allocate(RamSection.runAt(0, runs));
        chunk.put(0, RamSection.PAGES).putInt(1, runs);
        for (int i = 0; i < runs; i++) { // zero runs: no data, one page each
            RunEntry.write(chunk, RamSection.runAt(0, i), i, 1, RamSection.RUN_ZERO);
        }

        assertThatThrownBy(() -> bigLoader.load(context(), chunk))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessageContaining(runs + " runs, at most " + RamSender.MAX_RUNS);
        ByteBuffer first = ByteBuffer.allocate(1);
        big.untracked().read(0, first);
        assertThat(first.get(0)).as("page 0, not zeroed").isEqualTo((byte) 1);
    }

    @Test
    void anUnknownCodecIsRefused() {
        assertThatThrownBy(() -> loader.load(context(), batch(9, 0, 1, ByteBuffer.allocate(16))))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessageContaining("unknown RAM page codec 9");
        assertUntouched();
    }

    @Test
    void aBatchClaimingMorePagesThanItMayDecompressToIsRefusedBeforeDecompressing() {
        ByteBuffer chunk = ByteBuffer.allocate(RamSection.runAt(0, 2) + 2);
        chunk.put(0, RamSection.PAGES_COMPRESSED).putInt(1, 2);
        RunEntry.write(chunk, RamSection.runAt(0, 0), 0, PAGES, RamSection.RUN_NORMAL);
        RunEntry.write(chunk, RamSection.runAt(0, 1), 0, PAGES, RamSection.RUN_NORMAL);
        GuestMemory big = GuestMemory.of(2048L * GuestMemory.PAGE_SIZE);
        RamLoader bigLoader = new RamLoader(big);
        bigLoader.load(context(), blockList(big));
        RunEntry.write(chunk, RamSection.runAt(0, 0), 0, 1024, RamSection.RUN_NORMAL);
        RunEntry.write(chunk, RamSection.runAt(0, 1), 1024, 1, RamSection.RUN_NORMAL);
        chunk.put(chunk.limit() - 2, (byte) RamSection.CODEC_LZ4);
        assertThatThrownBy(() -> bigLoader.load(context(), chunk))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessageContaining("claims 1025 normal pages");
    }

    /** Whatever bytes follow the codec byte, the loader either applies exactly the pages or refuses and writes nothing. */
    @Property(tries = 300)
    void garbageNeverWritesAPartialBatch(
            @ForAll @Size(max = 600) byte[] garbage,
            @ForAll @IntRange(min = 1, max = 2) int code,
            @ForAll @IntRange(min = 1, max = 4) int pages) {
        setUp();
        try {
            loader.load(context(), batch(code, 7, pages, ByteBuffer.wrap(garbage)));
        } catch (MalformedRamChunkException refused) {
            assertUntouched();
        }
    }

    private void assertUntouched() {
        assertThat(memory.knownZero().count()).as("pages written").isEqualTo(PAGES);
    }

    private static ByteBuffer pageData(int pages, byte salt) {
        ByteBuffer b = ByteBuffer.allocate(pages * GuestMemory.PAGE_SIZE);
        for (int i = 0; i < b.capacity() / 2; i++) {
            b.put(i, (byte) (i * 31 + salt));
        }
        return b;
    }

    private static ByteBuffer compress(int code, ByteBuffer data) {
        PageCodec codec = PageCodec.forCode(code);
        ByteBuffer src = ByteBuffer.allocateDirect(data.remaining()).put(data).flip();
        ByteBuffer out = ByteBuffer.allocateDirect(codec.maxCompressedLength(src.remaining()));
        codec.compress(src, out);
        return out.flip();
    }

    /** A PAGES_COMPRESSED chunk of one normal run of {@code pages} pages from {@code first}. */
    private static ByteBuffer batch(int code, long first, int pages, ByteBuffer compressed) {
        ByteBuffer b = ByteBuffer.allocate(RamSection.runAt(0, 1) + 1 + compressed.remaining());
        b.put(0, RamSection.PAGES_COMPRESSED).putInt(1, 1);
        RunEntry.write(b, RamSection.runAt(0, 0), first, pages, RamSection.RUN_NORMAL);
        b.position(RamSection.runAt(0, 1));
        b.put((byte) code).put(compressed);
        return b.flip();
    }

    private ByteBuffer blockList() {
        return blockList(memory);
    }

    private static ByteBuffer blockList(GuestMemory m) {
        byte[] name = m.blocks().get(0).name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(3 + 2 + name.length + 8);
        b.put(RamSection.BLOCKS)
                .putShort((short) 1)
                .putShort((short) name.length)
                .put(name)
                .putLong(m.size());
        return b.flip();
    }

    private StageContext context() {
        return TestStageContext.destination(n -> recorded += n);
    }
}
