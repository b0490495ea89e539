package io.ferry.stream;

/** A frame declares a payload longer than the reader's maximum frame size. */
public final class FrameTooLargeException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public FrameTooLargeException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
