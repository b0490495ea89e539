package io.ferry.stream;

/** The stream ended inside a frame, or before its END frame. */
public final class TruncatedStreamException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public TruncatedStreamException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
