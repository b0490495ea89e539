package io.ferry.machine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/** Computes {@link GuestMemory#digest()}. */
final class MemoryDigest {
    private static final int PIECE = 64 * 1024;

    private MemoryDigest() {}

    static String of(GuestMemory memory) {
        MessageDigest sha = sha256();
        ByteBuffer crcs = ByteBuffer.allocate(4 * 1024);
        CRC32C crc = new CRC32C();
        boolean careful = memory.dontCareCount() > 0;
        for (RamBlock b : memory.blocks()) {
            sha.update(b.name().getBytes(StandardCharsets.UTF_8));
            sha.update(ByteBuffer.allocate(Long.BYTES).putLong(0, b.size()));
            for (long off = 0; off < b.size(); off += PIECE) {
                ByteBuffer seg = b.segmentAt(off).duplicate();
                int start = (int) (off & (GuestMemory.SEGMENT_SIZE - 1));
                seg.limit(start + (int) Math.min(PIECE, b.size() - off)).position(start);
                crc.reset();
                if (careful) {
                    updateReadingDontCareAsZero(crc, memory, seg, b.base() + off);
                } else {
                    crc.update(seg);
                }
                if (!crcs.hasRemaining()) {
                    sha.update(crcs.flip());
                    crcs.clear();
                }
                crcs.putInt((int) crc.getValue());
            }
        }
        sha.update(crcs.flip());
        return HexFormat.of().formatHex(sha.digest());
    }

    /** CRC of one piece with its don't-care pages read as zero, as the destination holds them. */
    private static void updateReadingDontCareAsZero(CRC32C crc, GuestMemory memory, ByteBuffer piece, long address) {
        int start = piece.position();
        for (int at = start; at < piece.limit(); at += GuestMemory.PAGE_SIZE) {
            long page = (address + at - start) >>> GuestMemory.PAGE_SHIFT;
            if (memory.isDontCare(page)) {
                crc.update(PageViews.ZERO_PAGE.duplicate().clear());
            } else {
                crc.update(piece.duplicate().limit(at + GuestMemory.PAGE_SIZE).position(at));
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
