package io.ferry.ram;

/**
 * A RAM chunk that does not parse or does not fit this machine's RAM: a run outside guest RAM, an
 * unknown run kind or codec, data that does not match the run table, compressed data that does not
 * decompress to exactly the pages it claims. Thrown before any byte of the chunk is written.
 */
public final class MalformedRamChunkException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedRamChunkException(String message) {
        super(message);
    }

    public MalformedRamChunkException(String message, Throwable cause) {
        super(message, cause);
    }
}
