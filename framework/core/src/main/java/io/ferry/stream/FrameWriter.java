package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.SectionId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Encodes frames onto a channel. A chunk goes out as one gathering write of its 8-byte header,
 * its payload parts (never copied) and its 4-byte CRC32C trailer. Counts what it wrote, for the
 * END frame's totals. Once a write has failed it writes nothing more: the peer would read what
 * followed as the rest of the frame it cut. Not thread-safe.
 */
public final class FrameWriter {
    /** Frame header: type u8, flags u8, section u16, length u32. */
    public static final int FRAME_HEADER = 8;

    public static final int FRAME_TRAILER = 4;
    /** Section field value of frames that belong to no section. */
    public static final int NO_SECTION = 0xFFFF;
    /** Most payload parts one chunk may be gathered from. */
    public static final int MAX_PARTS = 1021;

    private final GatheringByteChannel channel;
    private final int maxFrameSize;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer header = ByteBuffer.allocateDirect(FRAME_HEADER);
    private final ByteBuffer trailer = ByteBuffer.allocateDirect(FRAME_TRAILER);
    private final ByteBuffer[] gather = new ByteBuffer[MAX_PARTS + 2];
    private long bytesWritten;
    private StreamTotals totals = StreamTotals.NONE;
    private final StreamDigest digest = new StreamDigest();
    /** The totals when the current segment started (after the last SEGMENT), and the segment's digest. */
    private StreamTotals segmentStart = StreamTotals.NONE;

    private final StreamDigest segmentDigest = new StreamDigest();
    /**
     * Why a write failed, once one has: whatever follows would be read as the rest of the frame it
     * cut (an ERROR after a write timeout would arrive as a corrupt frame, not as the reason).
     */
    private Exception broken;

    public FrameWriter(GatheringByteChannel channel, int maxFrameSize) {
        this.channel = checkNotNull(channel, "channel");
        checkArgument(maxFrameSize >= 1024, "max frame size must be >= 1024 but was %s", maxFrameSize);
        this.maxFrameSize = maxFrameSize;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    public void writeHeader(StreamHeader h) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(StreamHeader.SIZE);
        b.putLong(StreamHeader.MAGIC)
                .putShort((short) h.formatVersion())
                .putShort((short) 0)
                .putShort((short) h.channelIndex())
                .putShort((short) h.channelCount())
                .putLong(h.streamId());
        crc.reset();
        crc.update(b.array(), 0, 24);
        b.putInt((int) crc.getValue()).flip();
        writeFully(new ByteBuffer[] {b}, 1);
    }

    public void writeManifest(Frame.Manifest m) throws IOException {
        int size = 2;
        for (SectionId s : m.sections()) {
            size += 2 + s.name().getBytes(StandardCharsets.UTF_8).length + 8;
        }
        ByteBuffer p = ByteBuffer.allocate(size).putShort((short) m.sections().size());
        for (SectionId s : m.sections()) {
            byte[] name = s.name().getBytes(StandardCharsets.UTF_8);
            p.putShort((short) name.length).put(name).putInt(s.instance()).putInt(s.version());
        }
        writeFrame(FrameType.MANIFEST, NO_SECTION, p.flip());
    }

    /** Writes a chunk gathered from the remaining bytes of {@code parts[offset..offset+length)}. */
    public void writeChunk(int section, ByteBuffer[] parts, int offset, int length) throws IOException {
        checkArgument(length <= MAX_PARTS, "a chunk may have at most %s parts, not %s", MAX_PARTS, length);
        long size = 0;
        for (int i = offset; i < offset + length; i++) {
            size += parts[i].remaining();
        }
        checkArgument(size <= maxFrameSize, "chunk of %s bytes exceeds the maximum frame size %s", size, maxFrameSize);
        prepareHeader(FrameType.CHUNK, section, (int) size);
        gather[0] = header;
        for (int i = 0; i < length; i++) {
            ByteBuffer part = parts[offset + i];
            int pos = part.position();
            crc.update(part);
            part.position(pos);
            gather[i + 1] = part;
        }
        trailer.clear().putInt(0, (int) crc.getValue());
        gather[length + 1] = trailer;
        writeFully(gather, length + 2);
        java.util.Arrays.fill(gather, 0, length + 2, null);
        counted(size, (int) crc.getValue());
    }

    public void writePass(Frame.Pass pass) throws IOException {
        writeFrame(FrameType.PASS, NO_SECTION, ByteBuffer.allocate(4).putInt(0, pass.pass()));
    }

    /**
     * Ends segment {@code segment} on one of channels 1.. of a several-channel stream: writes
     * SEGMENT with the frames and chunk bytes written since the previous SEGMENT (or the header)
     * and their digest, and returns it. SEGMENT counts in the stream's totals, not in a segment's.
     */
    public Frame.Segment writeSegment(int segment) throws IOException {
        Frame.Segment marker = new Frame.Segment(segment, totals.since(segmentStart), segmentDigest.value());
        writeFrame(
                FrameType.SEGMENT,
                NO_SECTION,
                ByteBuffer.allocate(24)
                        .putInt(marker.segment())
                        .put(encode(marker.totals()))
                        .putInt(marker.digest())
                        .flip());
        segmentStart = totals;
        segmentDigest.reset();
        return marker;
    }

    /** Writes the END frame with this writer's totals and stream digest and returns it; END does not count itself. */
    public Frame.End writeEnd() throws IOException {
        Frame.End end = new Frame.End(totals, digest.value());
        writeFrame(
                FrameType.END,
                NO_SECTION,
                ByteBuffer.allocate(20)
                        .put(encode(end.totals()))
                        .putInt(end.digest())
                        .flip(),
                false);
        return end;
    }

    public void writeCommit() throws IOException {
        writeFrame(FrameType.COMMIT, NO_SECTION, ByteBuffer.allocate(0));
    }

    public void writeAck(Frame.Ack ack) throws IOException {
        ByteBuffer marks = encode(ack.marks());
        writeFrame(
                FrameType.ACK,
                NO_SECTION,
                ByteBuffer.allocate(16 + marks.remaining())
                        .put(encode(ack.totals()))
                        .put(marks)
                        .flip());
    }

    public void writeAccept() throws IOException {
        writeFrame(FrameType.ACCEPT, NO_SECTION, ByteBuffer.allocate(0));
    }

    public void writeVoid() throws IOException {
        writeFrame(FrameType.VOID, NO_SECTION, ByteBuffer.allocate(0));
    }

    public void writePing(Frame.Ping ping) throws IOException {
        writeFrame(FrameType.PING, NO_SECTION, ByteBuffer.allocate(8).putLong(0, ping.stamp()));
    }

    public void writePong(Frame.Pong pong) throws IOException {
        writeFrame(
                FrameType.PONG,
                NO_SECTION,
                ByteBuffer.allocate(16).putLong(0, pong.stamp()).putLong(8, pong.destinationNanos()));
    }

    public void writeReport(Frame.Report report) throws IOException {
        writeFrame(FrameType.REPORT, NO_SECTION, encode(report.marks()));
    }

    public void writeDecider(Frame.Decider decider) throws IOException {
        byte[] host = decider.host().getBytes(StandardCharsets.UTF_8);
        writeFrame(
                FrameType.DECIDER,
                NO_SECTION,
                ByteBuffer.allocate(4 + host.length)
                        .putShort((short) host.length)
                        .put(host)
                        .putShort((short) decider.port())
                        .flip());
    }

    public void writeAsk(Frame.Ask ask) throws IOException {
        writeFrame(FrameType.ASK, NO_SECTION, ByteBuffer.allocate(8).putLong(0, ask.streamId()));
    }

    public void writeDecision(Frame.Decision decision) throws IOException {
        writeFrame(
                FrameType.DECISION,
                NO_SECTION,
                ByteBuffer.allocate(9).putLong(0, decision.streamId()).put(8, (byte)
                        decision.verdict().code()));
    }

    public void writeError(Frame.Error error) throws IOException {
        byte[] text = error.message().getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, maxFrameSize);
        writeFrame(FrameType.ERROR, NO_SECTION, ByteBuffer.wrap(text, 0, n));
    }

    /** Bytes written so far, header included. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Frames (END excluded: it counts the ones before it) and chunk payload bytes written so far. */
    public StreamTotals totals() {
        return totals;
    }

    /** u16 count, then per mark: u16 name length, UTF-8 name, i64 nanoseconds. */
    private static ByteBuffer encode(java.util.List<Frame.Mark> marks) {
        int size = 2;
        for (Frame.Mark m : marks) {
            size += 2 + m.name().getBytes(StandardCharsets.UTF_8).length + 8;
        }
        ByteBuffer b = ByteBuffer.allocate(size).putShort((short) marks.size());
        for (Frame.Mark m : marks) {
            byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name).putLong(m.nanos());
        }
        return b.flip();
    }

    private static ByteBuffer encode(StreamTotals t) {
        return ByteBuffer.allocate(16).putLong(0, t.frames()).putLong(8, t.chunkBytes());
    }

    private void writeFrame(FrameType type, int section, ByteBuffer payload) throws IOException {
        writeFrame(type, section, payload, true);
    }

    private void writeFrame(FrameType type, int section, ByteBuffer payload, boolean counted) throws IOException {
        checkArgument(
                payload.remaining() <= maxFrameSize,
                "%s payload of %s bytes exceeds the maximum frame size %s",
                type,
                payload.remaining(),
                maxFrameSize);
        prepareHeader(type, section, payload.remaining());
        int pos = payload.position();
        crc.update(payload);
        payload.position(pos);
        trailer.clear().putInt(0, (int) crc.getValue());
        writeFully(new ByteBuffer[] {header, payload, trailer}, 3);
        if (counted) {
            counted(0, (int) crc.getValue());
        }
    }

    /** Counts a frame written, in the stream's totals and digest and in its segment's digest. */
    private void counted(long chunkBytes, int checksum) {
        totals = totals.plus(chunkBytes);
        digest.add(checksum);
        segmentDigest.add(checksum);
    }

    private void prepareHeader(FrameType type, int section, int length) {
        header.clear();
        header.put(0, (byte) type.code())
                .put(1, (byte) 0)
                .putShort(2, (short) section)
                .putInt(4, length);
        crc.reset();
        crc.update(header);
        header.clear();
    }

    private void writeFully(ByteBuffer[] buffers, int count) throws IOException {
        if (broken != null) {
            throw new IOException(
                    "an earlier write failed inside a frame, so the stream cannot carry another frame", broken);
        }
        ByteBuffer last = buffers[count - 1];
        int first = 0;
        try {
            while (last.hasRemaining()) {
                bytesWritten += channel.write(buffers, first, count - first);
                while (first < count - 1 && !buffers[first].hasRemaining()) {
                    first++;
                }
            }
        } catch (IOException | RuntimeException e) {
            broken = e; // part of the frame may be on the wire (under TLS, part of a record)
            throw e;
        }
    }
}
