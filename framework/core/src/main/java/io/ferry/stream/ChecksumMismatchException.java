package io.ferry.stream;

/** A frame's (or the header's) CRC32C does not match its bytes. */
public final class ChecksumMismatchException extends StreamFormatException {
    private static final long serialVersionUID = 1L;

    public ChecksumMismatchException(long offset, long frameIndex, String detail) {
        super(offset, frameIndex, detail);
    }
}
