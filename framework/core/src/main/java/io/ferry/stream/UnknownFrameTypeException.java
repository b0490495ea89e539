package io.ferry.stream;

/** A frame's type byte names no frame type. */
public final class UnknownFrameTypeException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public UnknownFrameTypeException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
