package io.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * SEGMENT, the end of a segment on channels 1.. of a several-channel stream: it carries what the
 * channel wrote in the segment, and the channel's reader refuses a segment that differs. END counts
 * channel 0 only, so before SEGMENT an intact CHUNK lost, repeated or moved on channel 1 went unseen.
 */
class SegmentFrameTest {
    private static final int MAX = 64 << 10;

    @Test
    void theMarkerCarriesTheSegmentsChunksBytesAndDigestAndReadsBackAsWritten() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(new StreamSink(out), MAX);
        w.writeHeader(StreamHeader.channel(1, 2, 9));
        Frame.Segment empty = w.writeSegment(0);
        int[] checksums = {chunk(w, 1, 100), chunk(w, 2, 50)};
        Frame.Segment two = w.writeSegment(1);

        assertThat(empty).isEqualTo(new Frame.Segment(0, StreamTotals.NONE, 0));
        assertThat(two.totals()).isEqualTo(new StreamTotals(2, 150));
        assertThat(two.digest()).isEqualTo(digestOf(checksums));
        byte[] bytes = out.toByteArray();
        int at = bytes.length - (FrameWriter.FRAME_HEADER + 24 + FrameWriter.FRAME_TRAILER);
        ByteBuffer frame = ByteBuffer.wrap(bytes, at, bytes.length - at).slice();
        assertThat(frame.get(0)).as("type").isEqualTo((byte) 0x0A);
        assertThat(frame.getShort(2)).as("no section").isEqualTo((short) 0xFFFF);
        assertThat(frame.getInt(4)).as("payload length").isEqualTo(24);
        assertThat(frame.getInt(8)).as("segment").isEqualTo(1);
        assertThat(frame.getLong(12)).as("frames").isEqualTo(2);
        assertThat(frame.getLong(20)).as("chunk bytes").isEqualTo(150);
        assertThat(frame.getInt(28)).as("digest").isEqualTo(two.digest());

        FrameReader r = reader(bytes);
        assertThat(r.readHeader()).isEqualTo(new StreamHeader(3, 1, 2, 9));
        assertThat(r.next()).isEqualTo(empty);
        r.next();
        r.next();
        assertThat(r.next()).isEqualTo(two);
    }

    @Test
    void aSegmentOnChannelZeroIsRefusedForWhereItIsNotForItsFigures() throws IOException {
        for (int count : new int[] {1, 2}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            FrameWriter w = new FrameWriter(new StreamSink(out), MAX);
            w.writeHeader(StreamHeader.channel(0, count, 9));
            w.writeSegment(0); // figures that match: only its place is wrong

            assertThatThrownBy(() -> readAll(out.toByteArray()))
                    .as("%s channel(s)", count)
                    .isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining(
                            "SEGMENT on channel 0: only channels 1.. of a several-channel stream end their segments");
        }
    }

    @Test
    void aChunkLeftOutIsRefusedAtItsSegmentsEndNamingChannelSegmentAndBothFigures() {
        byte[] s = channelOne();
        List<int[]> frames = frames(s);
        byte[] cut = without(s, frames.get(1)); // segment 1's first chunk

        assertThatThrownBy(() -> readAll(cut))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("channel 1, segment 1: ")
                .hasMessageContaining("2 frames / 300 chunk bytes were sent, but 1 / 200 were received");
    }

    @Test
    void aChunkRepeatedIsRefused() {
        byte[] s = channelOne();
        int[] chunk = frames(s).get(1); // segment 1's first chunk, written twice
        byte[] twice = insert(s, chunk[0] + chunk[1], Arrays.copyOfRange(s, chunk[0], chunk[0] + chunk[1]));

        assertThatThrownBy(() -> readAll(twice))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining(
                        "channel 1, segment 1: SEGMENT does not match the segment: 2 frames / 300 chunk bytes were sent, but 3 / 400");
    }

    @Test
    void aChunkMovedPastItsSegmentsEndIsRefusedAtThatEnd() {
        byte[] s = channelOne();
        List<int[]> frames = frames(s);
        int[] last = frames.get(2); // segment 1's last chunk, moved past SEGMENT 1
        int[] marker = frames.get(3);
        byte[] chunk = Arrays.copyOfRange(s, last[0], last[0] + last[1]);
        byte[] moved = insert(without(s, last), marker[0] + marker[1] - last[1], chunk);

        assertThatThrownBy(() -> readAll(moved))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining(
                        "channel 1, segment 1: SEGMENT does not match the segment: 2 frames / 300 chunk bytes were sent, but 1 / 100");
    }

    /** Two chunks of one segment swapped: the counts agree, the digest does not. */
    @Test
    void chunksReorderedWithinASegmentAreRefusedByItsDigest() {
        byte[] s = channelOne();
        List<int[]> frames = frames(s);
        int[] a = frames.get(1);
        int[] b = frames.get(2);
        ByteArrayOutputStream swapped = new ByteArrayOutputStream();
        swapped.write(s, 0, a[0]);
        swapped.write(s, b[0], b[1]);
        swapped.write(s, a[0], a[1]);
        swapped.write(s, b[0] + b[1], s.length - b[0] - b[1]);

        assertThatThrownBy(() -> readAll(swapped.toByteArray()))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("channel 1, segment 1: segment digest");
    }

    @Test
    void segmentsOutOfOrderAreRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(new StreamSink(out), MAX);
        w.writeHeader(StreamHeader.channel(2, 3, 9));
        w.writeSegment(1);

        assertThatThrownBy(() -> readAll(out.toByteArray()))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("channel 2, segment 1: SEGMENT 1 where 0 was due");
    }

    @Test
    void anIntactChannelReadsThrough() throws IOException {
        assertThat(readAll(channelOne())).isEqualTo(4);
    }

    /**
     * A single-channel stream is version 2 as before (it has no SEGMENT); a several-channel one is
     * version 3, whose channels 1.. end their segments with SEGMENT. Each is refused as the other.
     */
    @Test
    void aReaderTakesVersionTwoForOneChannelAndThreeForSeveral() throws IOException {
        assertThat(StreamHeader.singleChannel(1).formatVersion()).isEqualTo(2);
        assertThat(StreamHeader.channel(0, 2, 1).formatVersion()).isEqualTo(3);
        assertThat(reader(header(new StreamHeader(3, 1, 4, 1))).readHeader().channelCount())
                .isEqualTo(4);
        assertThatThrownBy(() -> reader(header(new StreamHeader(2, 0, 2, 1))).readHeader())
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining(
                        "format version 2 with 2 channels, this reader supports 2 (one channel) and 3 (several channels)");
        assertThatThrownBy(() -> reader(header(new StreamHeader(3, 0, 1, 1))).readHeader())
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("format version 3 with 1 channel, this reader supports 2 (one channel)");
        assertThatThrownBy(() -> reader(header(new StreamHeader(4, 0, 2, 1))).readHeader())
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("format version 4, this reader supports 2 (one channel) and 3");
    }

    /** HEADER(channel 1 of 2) SEGMENT(0) CHUNK(100) CHUNK(200) SEGMENT(1): what a channel 1.. carries. */
    private static byte[] channelOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            FrameWriter w = new FrameWriter(new StreamSink(out), MAX);
            w.writeHeader(StreamHeader.channel(1, 2, 9));
            w.writeSegment(0);
            chunk(w, 1, 100);
            chunk(w, 2, 200);
            w.writeSegment(1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes a chunk of {@code size} bytes of {@code fill}; returns its frame checksum. */
    private static int chunk(FrameWriter w, int fill, int size) throws IOException {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) fill);
        ByteBuffer header = ByteBuffer.allocate(FrameWriter.FRAME_HEADER)
                .put((byte) FrameType.CHUNK.code())
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(size);
        CRC32C crc = new CRC32C();
        crc.update(header.array());
        crc.update(payload);
        w.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(payload)}, 0, 1);
        return (int) crc.getValue();
    }

    private static int digestOf(int[] checksums) {
        StreamDigest d = new StreamDigest();
        for (int c : checksums) {
            d.add(c);
        }
        return d.value();
    }

    private static byte[] header(StreamHeader h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FrameWriter(new StreamSink(out), MAX).writeHeader(h);
        return out.toByteArray();
    }

    private static FrameReader reader(byte[] bytes) {
        return new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)), MAX);
    }

    /** Reads the header and every frame; returns how many frames there were. */
    private static int readAll(byte[] bytes) throws IOException {
        FrameReader r = reader(bytes);
        r.readHeader();
        int n = 0;
        while (r.offset() < bytes.length) {
            r.next();
            n++;
        }
        return n;
    }

    /** [offset, size] of each frame after the header. */
    private static List<int[]> frames(byte[] s) {
        List<int[]> frames = new ArrayList<>();
        int at = StreamHeader.SIZE;
        while (at < s.length) {
            int size = FrameWriter.FRAME_HEADER + ByteBuffer.wrap(s).getInt(at + 4) + FrameWriter.FRAME_TRAILER;
            frames.add(new int[] {at, size});
            at += size;
        }
        return frames;
    }

    private static byte[] without(byte[] s, int[] frame) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(s, 0, frame[0]);
        out.write(s, frame[0] + frame[1], s.length - frame[0] - frame[1]);
        return out.toByteArray();
    }

    private static byte[] insert(byte[] s, int at, byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(s, 0, at);
        out.write(bytes, 0, bytes.length);
        out.write(s, at, s.length - at);
        return out.toByteArray();
    }
}
