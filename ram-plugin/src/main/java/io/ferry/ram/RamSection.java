package io.ferry.ram;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.pipeline.SectionId;
import java.nio.ByteBuffer;

/**
 * The RAM section and its chunk format (see {@code docs/stream-format.md}). Every chunk starts
 * with a kind byte:
 *
 * <ul>
 *   <li>{@link #BLOCKS}: u16 block count, then per block u16 name length, UTF-8 name, u64 size;
 *   <li>{@link #PAGES}: the {@link #BATCH_HEADER} (kind, u32 run count), then one
 *       {@link RunEntry} per run, then the data of every normal run in order, 4096 bytes a page;
 *   <li>{@link #PAGES_COMPRESSED}: as PAGES, but after the run table a u8 codec
 *       ({@link #CODEC_LZ4} or {@link #CODEC_ZSTD}) and the normal runs' data compressed as one
 *       block, which must decompress to exactly 4096 bytes per normal page.
 * </ul>
 */
public final class RamSection {
    public static final SectionId ID = SectionId.of("ram", 0, 1);

    public static final byte BLOCKS = 1;
    public static final byte PAGES = 2;
    public static final byte PAGES_COMPRESSED = 3;
    public static final int CODEC_LZ4 = 1;
    public static final int CODEC_ZSTD = 2;
    public static final int RUN_NORMAL = 0;
    public static final int RUN_ZERO = 1;
    /**
     * One page as an XBZRLE delta against the copy the destination has; its data is a u16 length
     * (1..4096) and that many bytes of delta. Only in PAGES batches, never compressed.
     */
    public static final int RUN_XBZRLE = 2;
    /** Bytes of a PAGES batch before its run table: kind u8, run count u32. */
    public static final int BATCH_HEADER = 5;
    /** Bytes of one run entry. */
    public static final int RUN_ENTRY = RunEntry.SIZE;

    private RamSection() {}

    /** Where run {@code index} of a batch starting at {@code base} sits. */
    public static int runAt(int base, int index) {
        return base + BATCH_HEADER + index * RunEntry.SIZE;
    }

    /**
     * One run of a PAGES batch: u64 first global page, u32 page count, u32 run kind. The one
     * codec of the run table, for sender and loader alike.
     */
    public record RunEntry(long first, long count, int kind) {
        public static final int SIZE = 16;

        /** Writes a run entry at absolute index {@code at} of {@code buf}. */
        public static void write(ByteBuffer buf, int at, long first, int count, int kind) {
            checkArgument(count > 0, "a run has at least one page, not %s", count);
            buf.putLong(at, first).putInt(at + 8, count).putInt(at + 12, kind);
        }

        /** Reads the run entry at absolute index {@code at} of {@code buf}; the count is unsigned. */
        public static RunEntry read(ByteBuffer buf, int at) {
            return new RunEntry(buf.getLong(at), Integer.toUnsignedLong(buf.getInt(at + 8)), buf.getInt(at + 12));
        }

        /** Bytes of page data a normal run carries in the batch (zero and XBZRLE runs: 0; a delta's length is in its data). */
        public long dataBytes() {
            return kind == RUN_NORMAL ? count * 4096 : 0;
        }
    }
}
