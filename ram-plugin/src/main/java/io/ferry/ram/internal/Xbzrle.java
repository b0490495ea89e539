package io.ferry.ram.internal;

import io.ferry.ram.MalformedRamChunkException;
import java.nio.ByteBuffer;

/**
 * XBZRLE-style delta of a page against the copy the destination already has (QEMU's
 * {@code xbzrle}): a sequence of pairs, each a ULEB128 count of unchanged bytes to skip, a ULEB128
 * count of changed bytes, and those bytes. Unchanged bytes at the end are not encoded. Pages that
 * change a little between passes shrink to a few bytes; a page that changed a lot does not pay off
 * and goes as a normal page.
 */
final class Xbzrle {
    private Xbzrle() {}

    /**
     * Encodes {@code next} against {@code old} (both {@code length} bytes from their positions)
     * into {@code out} from its position, using at most {@code limit} bytes.
     *
     * @return the encoded length, or -1 if the delta would take more than {@code limit} bytes
     */
    static int encode(ByteBuffer old, ByteBuffer next, int length, ByteBuffer out, int limit) {
        int o = old.position();
        int n = next.position();
        int start = out.position();
        int at = 0;
        while (at < length) {
            int same = mismatchFrom(old, o, next, n, at, length);
            if (same == length) {
                break; // the rest is unchanged
            }
            int diff = same;
            // a changed run ends where at least 4 equal bytes follow (shorter gaps cost more to encode than to copy)
            while (diff < length && !(equalRun(old, o, next, n, diff, length) >= 4)) {
                diff++;
            }
            int needed = uleb128Size(same - at) + uleb128Size(diff - same) + (diff - same);
            if (out.position() - start + needed > limit) {
                out.position(start);
                return -1;
            }
            putUleb128(out, same - at);
            putUleb128(out, diff - same);
            out.put(out.position(), next, n + same, diff - same);
            out.position(out.position() + diff - same);
            at = diff;
        }
        return out.position() - start;
    }

    /**
     * Applies the delta in {@code delta} (from its position to its limit) to {@code page} (from
     * its position, {@code length} bytes), which holds the old copy on entry.
     *
     * @throws MalformedRamChunkException if the delta does not parse or reaches past the page; the
     *     page may then hold part of the delta, so decode into a scratch copy before applying
     */
    static void decode(ByteBuffer delta, ByteBuffer page, int length) {
        int base = page.position();
        int at = 0;
        while (delta.hasRemaining()) {
            long skip = getUleb128(delta);
            long changed = getUleb128(delta);
            if (skip > length - at || changed > length - at - skip || changed > delta.remaining()) {
                throw new MalformedRamChunkException("XBZRLE delta reaches past its page: skip " + skip + ", then "
                        + changed + " bytes at offset " + at + " of " + length);
            }
            at += (int) skip;
            page.put(base + at, delta, delta.position(), (int) changed);
            delta.position(delta.position() + (int) changed);
            at += (int) changed;
        }
    }

    /** The first offset from {@code from} where the pages differ, or {@code length}. */
    private static int mismatchFrom(ByteBuffer a, int ao, ByteBuffer b, int bo, int from, int length) {
        int m = a.slice(ao + from, length - from).mismatch(b.slice(bo + from, length - from));
        return m < 0 ? length : from + m;
    }

    /** How many equal bytes start at {@code from} (at most 4 are counted). */
    private static int equalRun(ByteBuffer a, int ao, ByteBuffer b, int bo, int from, int length) {
        int k = 0;
        while (k < 4 && from + k < length && a.get(ao + from + k) == b.get(bo + from + k)) {
            k++;
        }
        return from + k == length ? 4 : k; // equal up to the end counts as a gap worth ending on
    }

    private static int uleb128Size(int v) {
        int size = 1;
        while ((v >>>= 7) != 0) {
            size++;
        }
        return size;
    }

    private static void putUleb128(ByteBuffer out, int v) {
        while ((v & ~0x7F) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    private static long getUleb128(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!in.hasRemaining()) {
                throw new MalformedRamChunkException("XBZRLE delta ends inside a length");
            }
            int b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new MalformedRamChunkException("XBZRLE delta has a length of more than 5 bytes");
    }
}
