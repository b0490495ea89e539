package io.ferry.machine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Computes {@link GuestMemory#digest()}: SHA-256 of every 16 MiB piece (in parallel: the JDK's
 * SHA-256 uses the CPU's SHA instructions where there are some, one core per piece), then SHA-256
 * of the layout and the piece digests in order. A change to any byte changes its piece's digest,
 * and so the result, unless SHA-256 collides. The piece size is fixed, so the result does not
 * depend on how many cores computed it. Don't-care pages ({@link GuestMemory#isDontCare}) are
 * read as zero, as the destination holds them.
 */
final class MemoryDigest {
    private static final int PIECE = 16 << 20;

    private MemoryDigest() {}

    private record Piece(RamBlock block, long offset, int length) {}

    static String of(GuestMemory memory) {
        List<Piece> pieces = new ArrayList<>();
        for (RamBlock b : memory.blocks()) {
            for (long off = 0; off < b.size(); off += PIECE) {
                pieces.add(new Piece(b, off, (int) Math.min(PIECE, b.size() - off)));
            }
        }
        boolean careful = memory.dontCareCount() > 0;
        byte[][] digests = pieces.parallelStream() // each piece passes the read gate, which no hold of writes closes
                .map(p -> digest(p, memory, careful))
                .toArray(byte[][]::new);
        MessageDigest sha = sha256();
        int next = 0;
        for (RamBlock b : memory.blocks()) {
            byte[] name = b.name().getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(Integer.BYTES + name.length + Long.BYTES)
                    .putInt(name.length)
                    .put(name)
                    .putLong(b.size())
                    .flip());
            for (long off = 0; off < b.size(); off += PIECE) {
                sha.update(digests[next++]);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * SHA-256 of one piece; with {@code careful}, its don't-care pages read as zero. Read in
     * {@link GuestMemory#READ_PIECE}s, each inside the read gate and from the segment fetched anew:
     * the release waits for one of them, and a release between them is seen (IllegalStateException).
     */
    private static byte[] digest(Piece p, GuestMemory memory, boolean careful) {
        MessageDigest sha = sha256();
        long address = p.block().base() + p.offset();
        long end = address + p.length();
        for (long at = address; at < end; ) {
            long from = at;
            int n = memory.pieceLength(at, end - at);
            memory.gated(() -> {
                update(sha, memory.piece(from, n), from, careful ? memory : null);
                return 0;
            });
            at += n;
        }
        return sha.digest();
    }

    /** Feeds {@code piece}, which starts at guest address {@code address}; with {@code dontCare}, its don't-care pages as zero. */
    private static void update(MessageDigest sha, ByteBuffer piece, long address, GuestMemory dontCare) {
        if (dontCare == null) {
            sha.update(piece);
            return;
        }
        int start = piece.position();
        for (int at = start; at < piece.limit(); at += GuestMemory.PAGE_SIZE) {
            long page = (address + at - start) >>> GuestMemory.PAGE_SHIFT;
            sha.update(
                    dontCare.isDontCare(page)
                            ? PageViews.ZERO_PAGE.duplicate().clear()
                            : piece.duplicate()
                                    .limit(at + GuestMemory.PAGE_SIZE)
                                    .position(at));
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
