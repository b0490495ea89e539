package io.ferry.stream;

import java.io.IOException;

/**
 * A stream that does not decode. Names the byte offset where the offending frame (or the
 * header) starts, the frame's ordinal, and what was expected. Sealed: every way a stream can be
 * bad has its own type.
 */
public abstract sealed class StreamFormatException extends IOException
        permits BadMagicException,
                UnsupportedFormatVersionException,
                ChecksumMismatchException,
                TruncatedStreamException,
                FrameTooLargeException,
                UnknownFrameTypeException,
                MalformedFrameException {
    private static final long serialVersionUID = 1L;
    /** Frame ordinal used for the stream header. */
    public static final long HEADER = -1;

    private final long offset;
    private final long frameIndex;

    StreamFormatException(long offset, long frameIndex, String detail) {
        super(describe(offset, frameIndex) + ": " + detail);
        this.offset = offset;
        this.frameIndex = frameIndex;
    }

    /** Byte offset in the stream where the bad frame (or header) starts. */
    public long offset() {
        return offset;
    }

    /** Ordinal of the bad frame, counting from 0 after the header; {@link #HEADER} for the header. */
    public long frameIndex() {
        return frameIndex;
    }

    private static String describe(long offset, long frameIndex) {
        return frameIndex == HEADER
                ? "stream header at offset " + offset
                : "frame #" + frameIndex + " at offset " + offset;
    }
}
