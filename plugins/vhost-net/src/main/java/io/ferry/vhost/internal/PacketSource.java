package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The network side of the backend. Packet {@code seq} is a pure function of the seed and
 * {@code seq}, so a destination given the seed and the next sequence number continues the
 * stream exactly where the source stopped: nothing lost, nothing repeated.
 *
 * <p>A packet is a 16-byte header (u64 sequence number, u32 payload length, u32 CRC32C of the
 * sequence number's 8 bytes and the payload), then the payload; little-endian like the ring.
 */
final class PacketSource {
    static final int HEADER = 16;
    static final int MIN_PAYLOAD = 32;

    private final long seed;
    private final int maxPayload;
    private final CRC32C crc = new CRC32C();

    PacketSource(long seed, int bufferSize) {
        checkArgument(bufferSize - HEADER >= MIN_PAYLOAD, "buffers of %s bytes cannot hold a packet", bufferSize);
        this.seed = seed;
        this.maxPayload = bufferSize - HEADER;
    }

    long seed() {
        return seed;
    }

    /** Writes packet {@code seq} into {@code out} (from 0, little-endian) and flips it; returns its length. */
    int write(long seq, ByteBuffer out) {
        SplittableRandom random = new SplittableRandom(seed ^ (seq * 0x9E3779B97F4A7C15L));
        int payload = MIN_PAYLOAD + random.nextInt(maxPayload - MIN_PAYLOAD + 1);
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        out.position(HEADER);
        while (out.position() + Long.BYTES <= HEADER + payload) {
            out.putLong(random.nextLong());
        }
        while (out.position() < HEADER + payload) {
            out.put((byte) random.nextInt());
        }
        out.flip();
        out.putLong(0, seq).putInt(8, payload).putInt(12, checksum(crc, seq, out, HEADER, payload));
        return out.limit();
    }

    /** CRC32C of {@code seq}'s 8 little-endian bytes, then {@code length} bytes of {@code buf} from {@code at}. */
    static int checksum(CRC32C crc, long seq, ByteBuffer buf, int at, int length) {
        crc.reset();
        crc.update(
                ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, seq));
        crc.update(buf.duplicate().limit(at + length).position(at));
        return (int) crc.getValue();
    }
}
