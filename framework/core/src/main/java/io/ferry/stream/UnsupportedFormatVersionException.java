package io.ferry.stream;

/** The stream's format version is not one this reader supports. */
public final class UnsupportedFormatVersionException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFormatVersionException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
