package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The machine digest is a proof of equality: a forged change must show. */
class MemoryDigestTest {
    private static final int PIECE = 64 << 10;

    @Test
    void twelveBytesChangedSoEvery64KiBPieceKeepsItsCrc32cStillChangeTheDigest() {
        GuestMemory memory = GuestMemory.of(4L << 20);
        MemoryFill.random(memory, 11, 0.1);
        String before = memory.digest();
        int[] crcsBefore = pieceCrcs(memory);

        // 8 chosen bytes at the start of piece 3, then 4 bytes at its end computed to keep its CRC32C
        long piece = 3L * PIECE;
        ByteBuffer original = ByteBuffer.allocate(PIECE);
        memory.untracked().read(piece, original);
        byte[] forged = original.array().clone();
        byte[] chosen = "FORGED!!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(chosen, 0, forged, 0, chosen.length);
        compensate(original.array(), forged);
        memory.untracked().write(piece, ByteBuffer.wrap(forged));

        assertThat(changedBytes(original.array(), forged)).isBetween(9, 12);
        assertThat(pieceCrcs(memory))
                .as("the forgery keeps every piece's CRC32C")
                .isEqualTo(crcsBefore);
        assertThat(memory.digest()).isNotEqualTo(before);
    }

    @Test
    void equalMemoriesDigestAlikeAndTheLayoutCounts() {
        GuestMemory a =
                GuestMemory.builder().block("a", 1 << 20).block("bc", 1 << 20).build();
        GuestMemory b =
                GuestMemory.builder().block("a", 1 << 20).block("bc", 1 << 20).build();
        GuestMemory c =
                GuestMemory.builder().block("ab", 1 << 20).block("c", 1 << 20).build();
        assertThat(a.digest()).isEqualTo(b.digest()).isNotEqualTo(c.digest()).hasSize(64);
    }

    /** Rewrites the last 4 bytes of {@code forged} so its CRC32C equals {@code original}'s (CRC is linear over GF(2)). */
    private static void compensate(byte[] original, byte[] forged) {
        int n = forged.length;
        int target = crc(original) ^ crc(forged);
        int[] effect = new int[32];
        for (int bit = 0; bit < 32; bit++) {
            byte[] flipped = forged.clone();
            flipped[n - 4 + bit / 8] ^= (byte) (1 << (bit % 8));
            effect[bit] = crc(flipped) ^ crc(forged);
        }
        int flips = solve(effect, target);
        for (int bit = 0; bit < 32; bit++) {
            if ((flips >>> bit & 1) != 0) {
                forged[n - 4 + bit / 8] ^= (byte) (1 << (bit % 8));
            }
        }
        assertThat(crc(forged)).isEqualTo(crc(original));
    }

    /** The set of columns (as bits) whose XOR is {@code target}: Gaussian elimination over GF(2). */
    private static int solve(int[] columns, int target) {
        int[] rows = columns.clone();
        int[] combo = new int[32];
        for (int i = 0; i < 32; i++) {
            combo[i] = 1 << i;
        }
        int rank = 0;
        for (int bit = 31; bit >= 0 && rank < 32; bit--) {
            int pivot = -1;
            for (int r = rank; r < 32; r++) {
                if ((rows[r] >>> bit & 1) != 0) {
                    pivot = r;
                    break;
                }
            }
            if (pivot < 0) {
                continue;
            }
            swap(rows, rank, pivot);
            swap(combo, rank, pivot);
            for (int r = 0; r < 32; r++) {
                if (r != rank && (rows[r] >>> bit & 1) != 0) {
                    rows[r] ^= rows[rank];
                    combo[r] ^= combo[rank];
                }
            }
            rank++;
        }
        int result = 0;
        int left = target;
        for (int r = 0; r < rank; r++) {
            int top = 31 - Integer.numberOfLeadingZeros(rows[r]);
            if ((left >>> top & 1) != 0) {
                left ^= rows[r];
                result ^= combo[r];
            }
        }
        assertThat(left).as("solvable").isZero();
        return result;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    private static int[] pieceCrcs(GuestMemory memory) {
        int[] out = new int[(int) (memory.size() / PIECE)];
        ByteBuffer buf = ByteBuffer.allocate(PIECE);
        for (int i = 0; i < out.length; i++) {
            memory.untracked().read((long) i * PIECE, buf.clear());
            out[i] = crc(buf.array());
        }
        return out;
    }

    private static int changedBytes(byte[] a, byte[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] != b[i] ? 1 : 0;
        }
        return n;
    }
}
