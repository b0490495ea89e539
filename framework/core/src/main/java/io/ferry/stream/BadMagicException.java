package io.ferry.stream;

/** The stream does not start with Ferry's magic: not a Ferry stream. */
public final class BadMagicException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public BadMagicException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
