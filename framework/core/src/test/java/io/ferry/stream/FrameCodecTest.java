package io.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.pipeline.SectionId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static final int MAX = 64 << 10;

    /** Writes frames into a byte array through a real gathering channel adapter. */
    private static final class Sink implements GatheringByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final WritableByteChannel out = Channels.newChannel(bytes);

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += out.write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return out.write(src);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    private static ReadableByteChannel source(byte[] bytes) {
        return Channels.newChannel(new java.io.ByteArrayInputStream(bytes));
    }

    private static byte[] sampleStream() throws IOException {
        Sink sink = new Sink();
        FrameWriter w = new FrameWriter(sink, MAX);
        w.writeHeader(StreamHeader.singleChannel(77));
        w.writeManifest(new Frame.Manifest(List.of(SectionId.of("ram", 0, 1), SectionId.of("its", 2, 3))));
        w.writeChunk(1, new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1, 2, 3}), ByteBuffer.allocateDirect(5)}, 0, 2);
        w.writePass(new Frame.Pass(0));
        w.writeDecider(new Frame.Decider("10.0.0.1", 40001));
        w.writeEnd();
        w.writeCommit();
        w.writeAck(new Frame.Ack(new StreamTotals(9, 10)));
        w.writeError(new Frame.Error("nope: ünïcode"));
        w.writeVoid();
        w.writePing(new Frame.Ping(-5));
        w.writePong(new Frame.Pong(11, 12));
        w.writeReport(new Frame.Report(List.of(new Frame.Mark("commit-read", 3), new Frame.Mark("running", 4))));
        w.writeAck(new Frame.Ack(new StreamTotals(1, 2), List.of(new Frame.Mark("end-read", 0))));
        w.writeAccept();
        w.writeAsk(new Frame.Ask(-77));
        w.writeDecision(new Frame.Decision(-77, Frame.Verdict.ABORTED));
        w.writeDecision(new Frame.Decision(5, Frame.Verdict.UNDECIDED));
        return sink.bytes.toByteArray();
    }

    @Test
    void everyFrameTypeRoundTrips() throws IOException {
        FrameReader r = new FrameReader(source(sampleStream()), MAX);
        assertThat(r.readHeader()).isEqualTo(new StreamHeader(2, 0, 1, 77));
        assertThat(r.next())
                .isEqualTo(new Frame.Manifest(List.of(SectionId.of("ram", 0, 1), SectionId.of("its", 2, 3))));
        Frame.Chunk chunk = (Frame.Chunk) r.next();
        assertThat(chunk.section()).isEqualTo(1);
        byte[] payload = new byte[chunk.payload().remaining()];
        chunk.payload().get(payload);
        assertThat(payload).containsExactly(1, 2, 3, 0, 0, 0, 0, 0);
        assertThat(r.next()).isEqualTo(new Frame.Pass(0));
        assertThat(r.next()).isEqualTo(new Frame.Decider("10.0.0.1", 40001));
        assertThat(((Frame.End) r.next()).totals()).isEqualTo(new StreamTotals(4, 8));
        assertThat(r.next()).isEqualTo(new Frame.Commit());
        assertThat(r.next()).isEqualTo(new Frame.Ack(new StreamTotals(9, 10)));
        assertThat(r.next()).isEqualTo(new Frame.Error("nope: ünïcode"));
        assertThat(r.next()).isEqualTo(new Frame.Void());
        assertThat(r.next()).isEqualTo(new Frame.Ping(-5));
        assertThat(r.next()).isEqualTo(new Frame.Pong(11, 12));
        assertThat(r.next())
                .isEqualTo(new Frame.Report(List.of(new Frame.Mark("commit-read", 3), new Frame.Mark("running", 4))));
        assertThat(r.next()).isEqualTo(new Frame.Ack(new StreamTotals(1, 2), List.of(new Frame.Mark("end-read", 0))));
        assertThat(r.next()).isEqualTo(new Frame.Accept());
        assertThat(r.next()).isEqualTo(new Frame.Ask(-77));
        assertThat(r.next()).isEqualTo(new Frame.Decision(-77, Frame.Verdict.ABORTED));
        assertThat(r.next()).isEqualTo(new Frame.Decision(5, Frame.Verdict.UNDECIDED));
        assertThat(r.totals()).isEqualTo(new StreamTotals(16, 8));
        // A new frame type needs a case above; SEGMENT's, of channels 1.. only, is in SegmentFrameTest.
        assertThat(FrameType.values()).hasSize(16);
    }

    @Test
    void writerDoesNotConsumeOrChangeChunkParts() throws IOException {
        ByteBuffer part = ByteBuffer.wrap(new byte[] {9, 8, 7});
        new FrameWriter(new Sink(), MAX).writeChunk(0, new ByteBuffer[] {part}, 0, 1);
        assertThat(part.remaining()).isZero(); // written parts are consumed like any channel write
        assertThat(part.array()).containsExactly(9, 8, 7);
    }

    @Test
    void aFlippedByteAnywhereInAFrameIsACheckSumOrFormatError() throws IOException {
        byte[] good = sampleStream();
        for (int at = StreamHeader.SIZE; at < good.length; at++) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            int flipped = at;
            FrameReader r = new FrameReader(source(bad), MAX);
            r.readHeader();
            assertThatThrownBy(() -> {
                        while (true) {
                            r.next();
                        }
                    })
                    .isInstanceOf(StreamFormatException.class)
                    .satisfies(e ->
                            assertThat(((StreamFormatException) e).offset()).isLessThanOrEqualTo(flipped));
        }
    }

    @Test
    void flippedPayloadByteNamesOffsetFrameAndBothChecksums() throws IOException {
        byte[] bad = sampleStream();
        int manifestEnd = StreamHeader.SIZE + 8 + manifestLength() + 4;
        bad[manifestEnd + 8 + 1] ^= 1; // second payload byte of the CHUNK frame
        FrameReader r = new FrameReader(source(bad), MAX);
        r.readHeader();
        r.next();
        assertThatThrownBy(r::next)
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("frame #1 at offset " + manifestEnd)
                .hasMessageContaining("CHUNK frame checksum")
                .hasMessageContaining("computed");
    }

    private static int manifestLength() {
        return 2 + (2 + 3 + 8) + (2 + 3 + 8);
    }

    @Test
    void truncationAtEveryPointIsATruncatedStream() throws IOException {
        byte[] good = sampleStream();
        for (int len = 0; len < good.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(good, len);
            FrameReader r = new FrameReader(source(cut), MAX);
            assertThatThrownBy(() -> {
                        r.readHeader();
                        while (true) {
                            r.next();
                        }
                    })
                    .isInstanceOf(TruncatedStreamException.class)
                    .hasMessageContaining("stream ended after");
        }
    }

    @Test
    void oversizedLengthIsRefusedBeforeReadingThePayload() throws IOException {
        byte[] bad = sampleStream();
        int lengthField = StreamHeader.SIZE + 4;
        bad[lengthField] = 0x7F; // MANIFEST now declares ~2 GiB
        FrameReader r = new FrameReader(source(bad), MAX);
        r.readHeader();
        assertThatThrownBy(r::next)
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("frame #0 at offset 28")
                .hasMessageContaining("maximum is " + MAX);
        assertThat(r.offset()).isEqualTo(StreamHeader.SIZE + 8); // header read, payload not
    }

    @Test
    void headerErrorsAreTyped() throws IOException {
        byte[] good = sampleStream();
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> new FrameReader(source(magic), MAX).readHeader())
                .isInstanceOf(BadMagicException.class)
                .hasMessageContaining("stream header at offset 0");
        byte[] crc = good.clone();
        crc[20] ^= 1;
        assertThatThrownBy(() -> new FrameReader(source(crc), MAX).readHeader())
                .isInstanceOf(ChecksumMismatchException.class);
    }

    @Test
    void futureFormatVersionIsRefused() throws IOException {
        Sink sink = new Sink();
        new FrameWriter(sink, MAX).writeHeader(new StreamHeader(4, 0, 1, 1));
        assertThatThrownBy(() -> new FrameReader(source(sink.bytes.toByteArray()), MAX).readHeader())
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageEndingWith(
                        "format version 4, this reader supports 2 (one channel) and 3 (several channels)");
    }

    /** 0.1.0 wrote version 1 and knew no PING, PONG, REPORT, VOID or ACCEPT: its streams and this one's differ. */
    @Test
    void aVersionOneStreamFromZeroOneZeroIsRefusedNamingBothVersions() throws IOException {
        Sink sink = new Sink();
        new FrameWriter(sink, MAX).writeHeader(new StreamHeader(1, 0, 1, 1));
        assertThatThrownBy(() -> new FrameReader(source(sink.bytes.toByteArray()), MAX).readHeader())
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("format version 1, this reader supports 2");
        assertThat(StreamHeader.singleChannel(1).formatVersion()).isEqualTo(2);
    }

    @Test
    void unknownFrameTypeIsTyped() throws IOException {
        byte[] stream = sampleStream();
        int type = StreamHeader.SIZE;
        stream[type] = 0x7E;
        // Re-seal the frame so only the type is wrong.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        int len = 8 + manifestLength();
        crc.update(stream, type, len);
        ByteBuffer.wrap(stream).putInt(type + len, (int) crc.getValue());
        FrameReader r = new FrameReader(source(stream), MAX);
        r.readHeader();
        assertThatThrownBy(r::next)
                .isInstanceOf(UnknownFrameTypeException.class)
                .hasMessageContaining("0x7E");
    }

    @Property(tries = 200)
    void chunksRoundTripWhateverTheirParts(
            @ForAll @Size(max = 6) List<@Size(max = 3000) byte[]> parts,
            @ForAll @IntRange(min = 0, max = 0xFFFE) int section)
            throws IOException {
        Sink sink = new Sink();
        FrameWriter w = new FrameWriter(sink, MAX);
        ByteBuffer[] buffers = parts.stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
        w.writeChunk(section, buffers, 0, buffers.length);
        Frame.Chunk c = (Frame.Chunk) new FrameReader(source(sink.bytes.toByteArray()), MAX).next();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        parts.forEach(expected::writeBytes);
        byte[] actual = new byte[c.payload().remaining()];
        c.payload().get(actual);
        assertThat(c.section()).isEqualTo(section);
        assertThat(actual).isEqualTo(expected.toByteArray());
    }
}
