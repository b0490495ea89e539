package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.SectionKey;
import java.io.IOException;
import java.net.SocketException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Decodes frames from a channel. Every frame is read whole and its checksum verified before it
 * is returned, so nothing is handed on that has not been checked; memory is bounded by the
 * maximum frame size. Counts frames and chunk bytes so the END frame's totals can be checked.
 * Not thread-safe, except {@link #offset()}, which any thread may read while another reads frames.
 */
public final class FrameReader {
    /** The most channels one migration may have (the header's channel count). */
    public static final int MAX_CHANNELS = 16;
    /** Frame types that carry the stream's data, which END closes. */
    private static final java.util.Set<FrameType> AFTER_END_DATA = java.util.EnumSet.of(
            FrameType.MANIFEST, FrameType.CHUNK, FrameType.PASS, FrameType.END, FrameType.DECIDER, FrameType.SEGMENT);
    /** The longest peer text (an ERROR message) passed on. */
    public static final int MAX_PEER_TEXT = 1024;

    private final ReadableByteChannel channel;
    private final int maxFrameSize;
    private final ByteBuffer header = ByteBuffer.allocateDirect(FrameWriter.FRAME_HEADER);
    private final FrameBuffer body;
    private final CRC32C crc = new CRC32C();
    /** Volatile: a receiver checks from its own thread what a channel's reader thread has consumed. */
    private volatile long offset;

    private StreamTotals totals = StreamTotals.NONE;
    private final StreamDigest digest = new StreamDigest();
    private int lastPass = -1;
    private boolean ended;
    /** The channel index from the header read; -1 until then (and on connections without one). */
    private int channelIndex = -1;
    /** The totals when the current segment started (after the last SEGMENT), the segment's digest, its number. */
    private StreamTotals segmentStart = StreamTotals.NONE;

    private final StreamDigest segmentDigest = new StreamDigest();
    private int lastSegment = -1;

    public FrameReader(ReadableByteChannel channel, int maxFrameSize) {
        this.channel = checkNotNull(channel, "channel");
        checkArgument(maxFrameSize >= 1024, "max frame size must be >= 1024 but was %s", maxFrameSize);
        this.maxFrameSize = maxFrameSize;
        this.body = new FrameBuffer(bufferSize());
    }

    /**
     * The size a buffer given to {@link #next(ByteBuffer)} must have at least, and the
     * {@link FrameBuffer#maxSize()} a {@link FrameBuffer} given to {@link #next(FrameBuffer)} must have.
     */
    public int bufferSize() {
        return maxFrameSize + FrameWriter.FRAME_TRAILER;
    }

    /** Reads and checks the stream header. */
    public StreamHeader readHeader() throws IOException {
        long start = offset;
        ByteBuffer b = ByteBuffer.allocate(StreamHeader.SIZE);
        readFully(b, start, StreamFormatException.HEADER, "the " + StreamHeader.SIZE + "-byte stream header");
        b.flip();
        long magic = b.getLong();
        if (magic != StreamHeader.MAGIC) {
            throw new BadMagicException(
                    start,
                    StreamFormatException.HEADER,
                    String.format("expected magic 0x%016X (\"FERRYMIG\"), found 0x%016X", StreamHeader.MAGIC, magic));
        }
        crc.reset();
        crc.update(b.array(), 0, 24);
        int expected = b.getInt(24);
        if (expected != (int) crc.getValue()) {
            throw new ChecksumMismatchException(
                    start,
                    StreamFormatException.HEADER,
                    String.format("header checksum 0x%08X, computed 0x%08X", expected, (int) crc.getValue()));
        }
        int version = Short.toUnsignedInt(b.getShort(8));
        int index = Short.toUnsignedInt(b.getShort(12));
        int count = Short.toUnsignedInt(b.getShort(14));
        if (version != StreamHeader.FORMAT_VERSION && version != StreamHeader.SEVERAL_CHANNELS_VERSION) {
            checkVersion(version, count, start); // an unknown version first: its count may mean anything
        }
        int flags = Short.toUnsignedInt(b.getShort(10));
        if (flags != 0) {
            throw new MalformedFrameException(
                    start,
                    StreamFormatException.HEADER,
                    String.format("reserved header flags 0x%04X must be 0", flags));
        }
        if (count > MAX_CHANNELS) {
            throw new MalformedFrameException(
                    start,
                    StreamFormatException.HEADER,
                    "a stream of " + count + " channels; this reader supports up to " + MAX_CHANNELS);
        }
        if (count == 0 || index >= count) {
            throw new MalformedFrameException(
                    start,
                    StreamFormatException.HEADER,
                    "channel " + index + " of " + count + " is not a valid channel");
        }
        checkVersion(version, count, start); // a known version, and a valid count: do they match?
        channelIndex = index;
        return new StreamHeader(version, index, count, b.getLong(16));
    }

    /**
     * Refuses a version other than the one for {@code count} channels: 2 for one (unchanged since
     * version 2), 3 for several (SEGMENT ends the segments of channels 1..).
     */
    private static void checkVersion(int version, int count, long start) throws UnsupportedFormatVersionException {
        if (version == StreamHeader.formatVersion(count)) {
            return;
        }
        String supported = "this reader supports " + StreamHeader.FORMAT_VERSION + " (one channel) and "
                + StreamHeader.SEVERAL_CHANNELS_VERSION + " (several channels)";
        boolean known = version == StreamHeader.FORMAT_VERSION || version == StreamHeader.SEVERAL_CHANNELS_VERSION;
        throw new UnsupportedFormatVersionException(
                start,
                StreamFormatException.HEADER,
                known
                        ? "format version " + version + " with " + count + " channel" + (count == 1 ? "" : "s") + ", "
                                + supported
                        : "format version " + version + ", " + supported);
    }

    /**
     * Reads, verifies and decodes the next frame. A {@link Frame.Chunk}'s payload is a view of
     * this reader's buffer, valid until the next call.
     */
    public Frame next() throws IOException {
        return next(body);
    }

    /**
     * Reads, verifies and decodes the next frame into {@code body} (at least {@link #bufferSize()}
     * bytes), so that a caller can read ahead into buffers of its own. A {@link Frame.Chunk}'s
     * payload is a view of {@code body}; no other frame refers to it.
     */
    public Frame next(ByteBuffer body) throws IOException {
        checkArgument(
                body.capacity() >= bufferSize(), "frame buffer of %s bytes, needs %s", body.capacity(), bufferSize());
        return read(FrameBuffer.over(body));
    }

    /**
     * Reads, verifies and decodes the next frame into {@code body}, grown first if the frame needs
     * more room, so that a caller can read ahead into buffers of its own that hold about what the
     * frames need. A {@link Frame.Chunk}'s payload is a view of {@code body}'s buffer, valid until
     * {@code body} is next passed to {@code next}; no other frame refers to it. {@code body} must
     * have been made for at least {@link #bufferSize()} bytes.
     */
    public Frame next(FrameBuffer body) throws IOException {
        checkArgument(
                body.maxSize() >= bufferSize(), "frame buffer for %s bytes, needs %s", body.maxSize(), bufferSize());
        return read(body);
    }

    /** Reads the next frame into {@code bodyBuffer}, grown first if its payload and checksum need more room. */
    private Frame read(FrameBuffer bodyBuffer) throws IOException {
        long start = offset;
        long index = totals.frames();
        header.clear();
        readFully(header, start, index, "a " + FrameWriter.FRAME_HEADER + "-byte frame header");
        int code = Byte.toUnsignedInt(header.get(0));
        FrameType type = FrameType.ofCode(code)
                .orElseThrow(() -> new UnknownFrameTypeException(
                        start, index, String.format("type byte 0x%02X is no frame type", code)));
        int flags = Byte.toUnsignedInt(header.get(1));
        int section = Short.toUnsignedInt(header.getShort(2));
        long length = Integer.toUnsignedLong(header.getInt(4));
        checkPlace(type, flags, section, start, index);
        if (length > maxFrameSize) {
            throw new FrameTooLargeException(
                    start,
                    index,
                    type + " frame declares " + length + " payload bytes, the maximum is " + maxFrameSize);
        }
        ByteBuffer body = bodyBuffer.ofAtLeast((int) length + FrameWriter.FRAME_TRAILER);
        body.clear().limit((int) length + FrameWriter.FRAME_TRAILER);
        readFully(body, start, index, type + " payload of " + length + " bytes and its checksum");
        header.clear();
        crc.reset();
        crc.update(header);
        body.flip();
        int expected = body.getInt((int) length);
        body.limit((int) length);
        crc.update(body);
        if (expected != (int) crc.getValue()) {
            throw new ChecksumMismatchException(
                    start,
                    index,
                    String.format("%s frame checksum 0x%08X, computed 0x%08X", type, expected, (int) crc.getValue()));
        }
        body.position(0).limit((int) length);
        Frame frame = decode(type, section, body, start, index);
        if (frame instanceof Frame.End end && end.totals().equals(totals) && end.digest() != digest.value()) {
            // Totals that differ are the engine's finer complaint; equal totals with another digest: frames were
            // changed.
            throw new ChecksumMismatchException(
                    start,
                    index,
                    String.format(
                            "stream digest 0x%08X in END, computed "
                                    + "0x%08X over the %d frames before it: the stream was altered",
                            end.digest(), digest.value(), totals.frames()));
        }
        if (frame instanceof Frame.Segment s) {
            checkSegment(s, start, index);
        }
        if (frame instanceof Frame.Pass p) {
            // After a VOID too: the source numbers on from the last PASS it wrote.
            if (p.pass() != lastPass + 1) {
                throw new MalformedFrameException(
                        start,
                        index,
                        "PASS " + p.pass() + " after PASS " + lastPass
                                + ": passes are numbered 0, 1, 2, ... in order, without a gap (after a VOID too)");
            }
            lastPass = p.pass();
        }
        ended = type == FrameType.END || (ended && type != FrameType.VOID); // a VOID reopens the stream (step-back)
        if (type != FrameType.END) {
            totals = totals.plus(type == FrameType.CHUNK ? length : 0);
            digest.add(expected);
            segmentDigest.add(expected);
        }
        if (frame instanceof Frame.Segment) { // the next segment starts after its marker
            segmentStart = totals;
            segmentDigest.reset();
        }
        return frame;
    }

    /**
     * A SEGMENT must be numbered on from the last and match what this channel carried since the
     * previous one: a frame lost, repeated or moved past the marker leaves every checksum intact
     * but changes the count, and a frame changed or reordered within the segment its digest.
     */
    private void checkSegment(Frame.Segment s, long start, long index) throws StreamFormatException {
        String where = "channel " + channelIndex + ", segment " + s.segment() + ": ";
        if (s.segment() != lastSegment + 1) {
            throw new MalformedFrameException(
                    start,
                    index,
                    where + "SEGMENT " + s.segment() + " where " + (lastSegment + 1)
                            + " was due: segments are numbered 0, 1, 2, ... in order, without a gap");
        }
        lastSegment = s.segment();
        StreamTotals read = totals.since(segmentStart);
        String mismatch = s.totals().mismatch(read).orElse(null);
        if (mismatch != null) {
            throw new MalformedFrameException(
                    start,
                    index,
                    where + "SEGMENT does not match the segment: " + mismatch
                            + " (a frame was lost, repeated or moved past the segment's end)");
        }
        if (s.digest() != segmentDigest.value()) {
            throw new ChecksumMismatchException(
                    start,
                    index,
                    String.format(
                            "%ssegment digest 0x%08X in SEGMENT, computed 0x%08X over the %d frames of the segment:"
                                    + " the segment was altered",
                            where, s.digest(), segmentDigest.value(), read.frames()));
        }
    }

    /**
     * Where the frame's header says it belongs, checked before its payload is read: reserved flags
     * are 0, only a CHUNK names a section, only channels 1.. carry SEGMENT, and none of the
     * stream's data follows END.
     */
    private void checkPlace(FrameType type, int flags, int section, long start, long index)
            throws MalformedFrameException {
        if (flags != 0) {
            throw new MalformedFrameException(
                    start, index, String.format("%s frame: reserved flags 0x%02X must be 0", type, flags));
        }
        if (type != FrameType.CHUNK && section != FrameWriter.NO_SECTION) {
            throw new MalformedFrameException(
                    start,
                    index,
                    type + " frame names section " + section + "; only a CHUNK belongs to a section (0xFFFF for none)");
        }
        if (type == FrameType.SEGMENT && channelIndex <= 0) {
            throw new MalformedFrameException(
                    start,
                    index,
                    (channelIndex == 0 ? "SEGMENT on channel 0" : "SEGMENT on a connection without a stream header")
                            + ": only channels 1.. of a several-channel stream end their segments with it");
        }
        if (ended && AFTER_END_DATA.contains(type)) {
            throw new MalformedFrameException(start, index, type + " frame after END: the stream's data ended there");
        }
    }

    /**
     * Checks that the stream ends here, as a snapshot does after END.
     *
     * @throws MalformedFrameException if anything follows
     */
    public void expectEndOfStream() throws IOException {
        ByteBuffer probe = ByteBuffer.allocate(1);
        int n;
        do {
            n = channel.read(probe);
        } while (n == 0);
        if (n > 0) {
            throw new MalformedFrameException(
                    offset, totals.frames(), "data after END: the stream goes on past its end");
        }
    }

    /** Bytes consumed so far, a frame still being read included; readable from any thread. */
    public long offset() {
        return offset;
    }

    /** Frames (END excluded) and chunk payload bytes read so far. */
    public StreamTotals totals() {
        return totals;
    }

    private Frame decode(FrameType type, int section, ByteBuffer p, long start, long index)
            throws MalformedFrameException {
        try {
            Frame f = switch (type) {
                case MANIFEST -> decodeManifest(p, start, index);
                case CHUNK -> {
                    if (section == FrameWriter.NO_SECTION) {
                        throw new MalformedFrameException(start, index, "CHUNK frame without a section");
                    }
                    yield new Frame.Chunk(section, p);
                }
                case PASS -> new Frame.Pass(nonNegative(p.getInt(), "pass", start, index));
                case END -> new Frame.End(totals(p, start, index), p.getInt());
                case SEGMENT ->
                    new Frame.Segment(
                            nonNegative(p.getInt(), "segment", start, index), totals(p, start, index), p.getInt());
                case COMMIT -> new Frame.Commit();
                case ACK -> new Frame.Ack(totals(p, start, index), marks(p, start, index));
                case VOID -> new Frame.Void();
                case PING -> new Frame.Ping(p.getLong());
                case PONG -> new Frame.Pong(p.getLong(), p.getLong());
                case REPORT -> new Frame.Report(marks(p, start, index));
                case ERROR -> new Frame.Error(printable(utf8(p, start, index)));
                case ACCEPT -> new Frame.Accept();
                case DECIDER -> decodeDecider(p, start, index);
                case ASK -> new Frame.Ask(p.getLong());
                case DECISION -> new Frame.Decision(p.getLong(), verdict(p.get(), start, index));
            };
            if (type != FrameType.CHUNK && p.hasRemaining()) {
                throw new MalformedFrameException(
                        start, index, p.remaining() + " unexpected trailing bytes in " + type);
            }
            return f;
        } catch (BufferUnderflowException e) {
            throw new MalformedFrameException(start, index, type + " payload of " + p.limit() + " bytes is too short");
        }
    }

    private static Frame.Decider decodeDecider(ByteBuffer p, long start, long index) throws MalformedFrameException {
        int len = Short.toUnsignedInt(p.getShort());
        if (len == 0 || len > 255 || len > p.remaining()) {
            throw new MalformedFrameException(
                    start, index, "DECIDER host length " + len + " (1..255, within the payload)");
        }
        byte[] host = new byte[len];
        p.get(host);
        int port = Short.toUnsignedInt(p.getShort());
        if (port == 0) {
            throw new MalformedFrameException(start, index, "DECIDER port 0");
        }
        return new Frame.Decider(printable(new String(host, java.nio.charset.StandardCharsets.UTF_8)), port);
    }

    private static Frame.Verdict verdict(byte code, long start, long index) throws MalformedFrameException {
        for (Frame.Verdict v : Frame.Verdict.values()) {
            if (v.code() == code) {
                return v;
            }
        }
        throw new MalformedFrameException(
                start,
                index,
                "DECISION verdict " + Byte.toUnsignedInt(code) + " (0 undecided, 1 committed, 2 aborted)");
    }

    private static Frame.Manifest decodeManifest(ByteBuffer p, long start, long index) throws MalformedFrameException {
        int count = Short.toUnsignedInt(p.getShort());
        if (count == FrameWriter.NO_SECTION) {
            throw new MalformedFrameException(start, index, "manifest lists " + count + " sections; 0xFFFF means none");
        }
        List<SectionId> sections = new ArrayList<>(count);
        Set<SectionKey> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            int len = Short.toUnsignedInt(p.getShort());
            if (len == 0 || len > 255 || len > p.remaining()) {
                throw new MalformedFrameException(start, index, "manifest section " + i + ": name length " + len);
            }
            ByteBuffer nameBytes = p.slice(p.position(), len);
            p.position(p.position() + len);
            String name = utf8(nameBytes, start, index);
            int instance = p.getInt();
            int version = p.getInt();
            if (instance < 0 || version < 1) {
                throw new MalformedFrameException(
                        start, index, "manifest section " + name + ": instance " + instance + ", version " + version);
            }
            SectionId id = new SectionId(name, instance, version);
            if (!seen.add(id.key())) {
                throw new MalformedFrameException(start, index, "manifest lists section " + id + " twice");
            }
            sections.add(id);
        }
        return new Frame.Manifest(sections);
    }

    private static StreamTotals totals(ByteBuffer p, long start, long index) throws MalformedFrameException {
        long frames = p.getLong();
        long chunkBytes = p.getLong();
        if (frames < 0 || chunkBytes < 0) {
            throw new MalformedFrameException(
                    start, index, "negative totals: " + frames + " frames, " + chunkBytes + " chunk bytes");
        }
        return new StreamTotals(frames, chunkBytes);
    }

    private static List<Frame.Mark> marks(ByteBuffer p, long start, long index) throws MalformedFrameException {
        int count = Short.toUnsignedInt(p.getShort());
        List<Frame.Mark> marks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int len = Short.toUnsignedInt(p.getShort());
            if (len == 0 || len > 255 || len > p.remaining()) {
                throw new MalformedFrameException(start, index, "mark " + i + ": name length " + len);
            }
            String name = utf8(p.slice(p.position(), len), start, index);
            p.position(p.position() + len);
            marks.add(new Frame.Mark(name, p.getLong()));
        }
        return marks;
    }

    private static int nonNegative(int value, String what, long start, long index) throws MalformedFrameException {
        if (value < 0) {
            throw new MalformedFrameException(start, index, what + " " + value + " is negative");
        }
        return value;
    }

    /**
     * A peer's text made safe to print: control characters (ANSI escapes, newlines) become '?' and
     * anything past {@link #MAX_PEER_TEXT} characters is cut, so an ERROR cannot rewrite an
     * operator's terminal or flood it.
     */
    static String printable(String text) {
        int n = Math.min(text.length(), MAX_PEER_TEXT);
        StringBuilder b = new StringBuilder(n + 40);
        text.codePoints()
                .limit(n)
                .forEach(c -> b.appendCodePoint(
                        Character.isISOControl(c) || Character.getType(c) == Character.FORMAT ? '?' : c));
        if (text.length() > MAX_PEER_TEXT) {
            b.append(" ... (").append(text.length() - MAX_PEER_TEXT).append(" more characters cut)");
        }
        return b.toString();
    }

    private static String utf8(ByteBuffer b, long start, long index) throws MalformedFrameException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFrameException(start, index, "text is not valid UTF-8");
        }
    }

    private void readFully(ByteBuffer dst, long start, long index, String expected) throws IOException {
        int wanted = dst.remaining();
        while (dst.hasRemaining()) {
            int n;
            try {
                n = channel.read(dst);
            } catch (SocketException e) {
                // The peer reset the connection (it closed with our answers unread): the stream ended here.
                TruncatedStreamException t = new TruncatedStreamException(
                        start,
                        index,
                        "connection reset after " + (wanted - dst.remaining()) + " of " + wanted + " bytes of "
                                + expected);
                t.initCause(e);
                throw t;
            }
            if (n < 0) {
                int got = wanted - dst.remaining();
                throw new TruncatedStreamException(
                        start, index, "stream ended after " + got + " of " + wanted + " bytes of " + expected);
            }
            offset += n;
        }
    }
}
