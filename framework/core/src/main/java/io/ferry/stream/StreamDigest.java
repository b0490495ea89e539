package io.ferry.stream;

import java.util.zip.CRC32C;

/**
 * The running digest END carries: CRC32C over the 4-byte checksums of every frame before END, in
 * order. Each frame's checksum already covers its header and payload, so this covers every byte
 * of those frames and their order at 4 bytes of work per frame; a frame removed, repeated or moved
 * changes it even where the END totals were adjusted to match.
 */
final class StreamDigest {
    private final CRC32C crc = new CRC32C();
    private final byte[] word = new byte[4];

    void add(int frameChecksum) {
        word[0] = (byte) (frameChecksum >>> 24);
        word[1] = (byte) (frameChecksum >>> 16);
        word[2] = (byte) (frameChecksum >>> 8);
        word[3] = (byte) frameChecksum;
        crc.update(word, 0, 4);
    }

    /** Starts over, as at the start of a stream (a segment's digest starts at each segment). */
    void reset() {
        crc.reset();
    }

    int value() {
        return (int) crc.getValue();
    }
}
