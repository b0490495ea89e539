package io.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.pipeline.SectionId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Issue 11, defect 7: END carries a digest of the stream, so a frame removed with the totals adjusted is refused. */
class StreamDigestTest {
    private static final int MAX = 64 << 10;

    @Test
    void anIntactStreamReadsToEnd() throws IOException {
        Frame last = readAll(stream());
        assertThat(last).isInstanceOf(Frame.End.class);
        assertThat(((Frame.End) last).totals()).isEqualTo(new StreamTotals(5, 3 * 100));
    }

    @Test
    void aFrameRemovedWithTheEndTotalsAdjustedIsRefusedAtEnd() {
        byte[] full = stream();
        List<int[]> frames = frames(full); // [offset, size] per frame after the header
        int[] dropped = frames.get(2); // the second CHUNK
        int[] end = frames.get(frames.size() - 1);
        ByteArrayOutputStream cut = new ByteArrayOutputStream();
        cut.write(full, 0, dropped[0]);
        cut.write(full, dropped[0] + dropped[1], end[0] - dropped[0] - dropped[1]);
        byte[] endFrame = java.util.Arrays.copyOfRange(full, end[0], end[0] + end[1]);
        ByteBuffer e = ByteBuffer.wrap(endFrame);
        e.putLong(8, e.getLong(8) - 1).putLong(16, e.getLong(16) - (dropped[1] - 12)); // totals fixed up
        CRC32C crc = new CRC32C();
        crc.update(endFrame, 0, endFrame.length - 4);
        e.putInt(endFrame.length - 4, (int) crc.getValue()); // and END's own checksum
        cut.write(endFrame, 0, endFrame.length);

        assertThatThrownBy(() -> readAll(cut.toByteArray()))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("stream digest");
    }

    private static Frame readAll(byte[] bytes) throws IOException {
        FrameReader r = new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)), MAX);
        r.readHeader();
        Frame f;
        do {
            f = r.next();
        } while (!(f instanceof Frame.End));
        return f;
    }

    /** HEADER MANIFEST CHUNK CHUNK CHUNK PASS(0) END, three distinct chunks of 100 bytes. */
    private static byte[] stream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            FrameWriter w = new FrameWriter(new GatheringSink(out), MAX);
            w.writeHeader(StreamHeader.singleChannel(42));
            w.writeManifest(new Frame.Manifest(List.of(SectionId.of("ram", 0, 1))));
            for (int i = 1; i <= 3; i++) {
                byte[] payload = new byte[100];
                java.util.Arrays.fill(payload, (byte) i);
                w.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(payload)}, 0, 1);
            }
            w.writePass(new Frame.Pass(0));
            w.writeEnd();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static List<int[]> frames(byte[] s) {
        List<int[]> frames = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(s);
        for (int at = StreamHeader.SIZE; at < s.length; ) {
            int size = FrameWriter.FRAME_HEADER + b.getInt(at + 4) + FrameWriter.FRAME_TRAILER;
            frames.add(new int[] {at, size});
            at += size;
        }
        return frames;
    }

    /** A gathering channel over a byte stream. */
    private record GatheringSink(ByteArrayOutputStream out) implements java.nio.channels.GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            out.write(b, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
