package io.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameBufferTest {
    private static final int KIB = 1024;

    @Test
    void allocatesNothingUntilAFrameNeedsIt() {
        FrameBuffer b = new FrameBuffer(4 << 20);
        assertThat(b.capacity()).isZero();
        assertThat(b.bytesAllocated()).isZero();
    }

    @Test
    void growsToTheBodyRoundedUpToAGranuleAndKeepsItForSmallerOnes() {
        FrameBuffer b = new FrameBuffer(4 << 20);
        ByteBuffer first = b.ofAtLeast(520 * KIB + 4);
        assertThat(first.capacity()).isEqualTo(576 * KIB);
        assertThat(b.ofAtLeast(100)).isSameAs(first);
        assertThat(b.ofAtLeast(576 * KIB)).isSameAs(first);
        assertThat(b.bytesAllocated()).isEqualTo(576 * KIB);
    }

    @Test
    void growsAtLeastTwofoldSoRepeatedGrowthLeavesLittleGarbage() {
        FrameBuffer b = new FrameBuffer(4 << 20);
        b.ofAtLeast(64 * KIB);
        assertThat(b.ofAtLeast(64 * KIB + 1).capacity()).isEqualTo(128 * KIB);
        for (int size = 128 * KIB + 1; size <= 1 << 20; size += 64 * KIB) {
            b.ofAtLeast(size);
        }
        assertThat(b.capacity()).isEqualTo(1 << 20);
        assertThat(b.bytesAllocated())
                .as("64 + 128 + 256 + 512 + 1024 KiB: each growth at least doubles")
                .isEqualTo((64 + 128 + 256 + 512 + 1024) * KIB);
    }

    @Test
    void neverExceedsItsMaximumAndRefusesLargerBodies() {
        FrameBuffer b = new FrameBuffer(100 * KIB);
        assertThat(b.ofAtLeast(70 * KIB).capacity()).isEqualTo(100 * KIB);
        assertThatThrownBy(() -> b.ofAtLeast(100 * KIB + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 102400");
    }

    @Test
    void aReaderReadsFramesOfEverySizeIntoOneGrowingBuffer() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(new StreamSink(stream), 1 << 20);
        w.writeHeader(StreamHeader.singleChannel(7));
        List<Integer> sizes = List.of(10, 300 * KIB, 5, 1 << 20, 64 * KIB);
        List<byte[]> payloads = new ArrayList<>();
        Random random = new Random(7);
        for (int size : sizes) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            payloads.add(payload);
            w.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(payload)}, 0, 1);
        }
        FrameReader r = new FrameReader(Channels.newChannel(new ByteArrayInputStream(stream.toByteArray())), 1 << 20);
        r.readHeader();
        FrameBuffer body = new FrameBuffer(r.bufferSize());
        for (byte[] payload : payloads) {
            Frame.Chunk c = (Frame.Chunk) r.next(body);
            byte[] read = new byte[c.payload().remaining()];
            c.payload().duplicate().get(read);
            assertThat(read).isEqualTo(payload);
        }
        assertThat(body.capacity()).isEqualTo(r.bufferSize());
    }

    @Test
    void aReaderRefusesABufferMadeForSmallerFrames() {
        FrameReader r = new FrameReader(Channels.newChannel(new ByteArrayInputStream(new byte[0])), 1 << 20);
        assertThatThrownBy(() -> r.next(new FrameBuffer(1 << 20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs " + r.bufferSize());
    }
}
