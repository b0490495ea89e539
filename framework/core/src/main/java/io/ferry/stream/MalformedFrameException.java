package io.ferry.stream;

/** A frame is intact but its content is invalid, or it arrives where it may not. */
public final class MalformedFrameException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public MalformedFrameException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
