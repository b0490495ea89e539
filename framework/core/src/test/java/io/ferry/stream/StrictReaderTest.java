package io.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.pipeline.SectionId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The reader enforces what docs/stream-format.md says, even where the checksums are right. */
class StrictReaderTest {
    private static final int HEADER = StreamHeader.SIZE;

    @Test
    void reservedHeaderFlagsAndTooManyChannelsAreRefused() throws Exception {
        byte[] flags = stream(w -> {});
        flags[11] = 1; // header flags, bytes 10..11
        assertThatThrownBy(() -> reader(reheader(flags)).readHeader())
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("reserved header flags 0x0001");
        byte[] channels = stream(w -> {});
        channels[9] = StreamHeader.SEVERAL_CHANNELS_VERSION; // format version, bytes 8..9
        channels[15] = (byte) (FrameReader.MAX_CHANNELS + 1); // channel count, bytes 14..15
        assertThatThrownBy(() -> reader(reheader(channels)).readHeader())
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining(
                        "a stream of " + (FrameReader.MAX_CHANNELS + 1) + " channels; this reader supports up to");
        byte[] second = stream(w -> {});
        second[9] = StreamHeader.SEVERAL_CHANNELS_VERSION;
        second[13] = 1; // channel index 1 ...
        second[15] = 2; // ... of 2: one channel of a several-channel stream
        assertThat(reader(reheader(second)).readHeader().channelIndex()).isEqualTo(1);
        byte[] outside = stream(w -> {});
        outside[9] = StreamHeader.SEVERAL_CHANNELS_VERSION;
        outside[13] = 2; // index 2 of 2
        outside[15] = 2;
        assertThatThrownBy(() -> reader(reheader(outside)).readHeader())
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("channel 2 of 2 is not a valid channel");
    }

    @Test
    void reservedFrameFlagsAndASectionOnANonChunkFrameAreRefused() throws IOException {
        byte[] flags = editSecondFrame(stream(w -> pass(w, 0)), 1, (byte) 0x80);
        assertThatThrownBy(() -> readAll(flags))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("PASS frame: reserved flags 0x80");
        byte[] section = editSecondFrame(editSecondFrame(stream(w -> pass(w, 0)), 2, (byte) 0), 3, (byte) 0);
        assertThatThrownBy(() -> readAll(section))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("PASS frame names section 0");
    }

    @Test
    void passesMustComeInOrderFromZero() {
        assertThatThrownBy(() -> readAll(stream(w -> pass(w, 1)))).hasMessageContaining("PASS 1 after PASS -1");
        assertThatThrownBy(() -> readAll(stream(w -> {
                    pass(w, 0);
                    pass(w, 2);
                })))
                .hasMessageContaining("PASS 2 after PASS 0");
        assertThatThrownBy(() -> readAll(stream(w -> {
                    pass(w, 0);
                    pass(w, 0);
                })))
                .hasMessageContaining("PASS 0 after PASS 0");
    }

    @Test
    void afterAVoidPassesGoOnFromTheLastPassWrittenWithoutAGap() throws IOException {
        readAll(stream(
                w -> { // stepped back during COMPLETE: no PASS 2 was written, so the next is 2
                    pass(w, 0);
                    pass(w, 1);
                    w.writeVoid();
                    pass(w, 2);
                }));
        readAll(stream(
                w -> { // stepped back after the ACK: PASS 2 was written
                    pass(w, 0);
                    pass(w, 1);
                    pass(w, 2);
                    w.writeVoid();
                    pass(w, 3);
                }));
        assertThatThrownBy(() -> readAll(stream(w -> {
                    pass(w, 0);
                    pass(w, 1);
                    w.writeVoid();
                    pass(w, 3);
                })))
                .hasMessageContaining("PASS 3 after PASS 1");
        assertThatThrownBy(() -> readAll(stream(w -> {
                    pass(w, 0);
                    w.writeVoid();
                    pass(w, 3);
                })))
                .hasMessageContaining("PASS 3 after PASS 0");
    }

    @Test
    void theStreamsDataAfterEndIsRefusedAndASnapshotMustEndThere() throws IOException {
        assertThatThrownBy(() -> readAll(stream(w -> {
                    pass(w, 0);
                    end(w);
                    chunk(w);
                })))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("CHUNK frame after END");
        FrameReader ok = reader(stream(w -> {
            pass(w, 0);
            end(w);
        }));
        ok.readHeader();
        while (!(ok.next() instanceof Frame.End)) {
            // up to END
        }
        ok.expectEndOfStream();
        byte[] trailing = stream(w -> {
            pass(w, 0);
            end(w);
        });
        byte[] longer = java.util.Arrays.copyOf(trailing, trailing.length + 3);
        FrameReader r = reader(longer);
        r.readHeader();
        while (!(r.next() instanceof Frame.End)) {
            // up to END
        }
        assertThatThrownBy(r::expectEndOfStream)
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("data after END");
    }

    @Test
    void aDeciderAfterEndOrADecisionWithAnUnknownVerdictIsRefused() throws IOException {
        assertThatThrownBy(() -> readAll(stream(w -> {
                    pass(w, 0);
                    end(w);
                    w.writeDecider(new Frame.Decider("127.0.0.1", 4444));
                })))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("DECIDER frame after END");
        byte[] decision = stream(w -> {
            pass(w, 0);
            w.writeDecision(new Frame.Decision(1, Frame.Verdict.COMMITTED));
        });
        // the verdict is the last payload byte of the second frame: before its 4-byte checksum, at the end
        byte[] bad = java.util.Arrays.copyOf(decision, decision.length);
        bad[bad.length - 5] = 7;
        CRC32C crc = new CRC32C();
        crc.update(bad, bad.length - 4 - 8 - 9, 8 + 9);
        ByteBuffer.wrap(bad).putInt(bad.length - 4, (int) crc.getValue());
        assertThatThrownBy(() -> readAll(bad))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("DECISION verdict 7");
    }

    @Test
    void aWellFormedStreamStillReads() throws IOException {
        assertThat(readAll(stream(w -> {
                    chunk(w);
                    pass(w, 0);
                    chunk(w);
                    pass(w, 1);
                    end(w);
                    commit(w);
                })))
                .isEqualTo(7); // manifest, 2 chunks, 2 passes, END, COMMIT
    }

    private interface Body {
        void write(FrameWriter w) throws IOException;
    }

    private static byte[] stream(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            FrameWriter w = new FrameWriter(new StreamSink(bytes), 64 << 10);
            w.writeHeader(StreamHeader.singleChannel(9));
            w.writeManifest(new Frame.Manifest(List.of(SectionId.of("s", 0, 1))));
            body.write(w);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void pass(FrameWriter w, int n) throws IOException {
        w.writePass(new Frame.Pass(n));
    }

    private static void end(FrameWriter w) throws IOException {
        w.writeEnd();
    }

    private static void commit(FrameWriter w) throws IOException {
        w.writeCommit();
    }

    private static void chunk(FrameWriter w) throws IOException {
        w.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1, 2})}, 0, 1);
    }

    /** Recomputes the header's CRC after an edit. */
    private static byte[] reheader(byte[] s) {
        CRC32C crc = new CRC32C();
        crc.update(s, 0, 24);
        ByteBuffer.wrap(s).putInt(24, (int) crc.getValue());
        return s;
    }

    /** Sets byte {@code at} of the frame after the manifest and recomputes that frame's CRC. */
    private static byte[] editSecondFrame(byte[] s, int at, byte value) {
        ByteBuffer b = ByteBuffer.wrap(s);
        int frame = HEADER + 8 + b.getInt(HEADER + 4) + 4;
        int payload = b.getInt(frame + 4);
        s[frame + at] = value;
        CRC32C crc = new CRC32C();
        crc.update(s, frame, 8 + payload);
        b.putInt(frame + 8 + payload, (int) crc.getValue());
        return s;
    }

    private static FrameReader reader(byte[] bytes) {
        return new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)), 64 << 10);
    }

    /** Reads the whole stream; returns the frames read. */
    private static int readAll(byte[] bytes) throws IOException {
        FrameReader r = reader(bytes);
        r.readHeader();
        int n = 0;
        try {
            while (true) {
                r.next();
                n++;
            }
        } catch (TruncatedStreamException e) {
            if (e.getMessage().contains("after 0 of")) {
                return n; // the clean end of the input
            }
            throw e;
        }
    }
}
