package io.ferry.ram;

import io.ferry.pipeline.SectionId;

/**
 * The RAM section and its chunk format (see {@code docs/stream-format.md}). Every chunk starts
 * with a kind byte:
 *
 * <ul>
 *   <li>{@link #BLOCKS}: u16 block count, then per block u16 name length, UTF-8 name, u64 size;
 *   <li>{@link #PAGES}: u32 run count, then per run u64 first global page, u32 page count, u32
 *       run kind ({@link #RUN_NORMAL} or {@link #RUN_ZERO}), then the data of every normal run in
 *       order, 4096 bytes a page.
 * </ul>
 */
public final class RamSection {
    public static final SectionId ID = SectionId.of("ram", 0, 1);

    public static final byte BLOCKS = 1;
    public static final byte PAGES = 2;
    public static final int RUN_NORMAL = 0;
    public static final int RUN_ZERO = 1;
    /** Bytes of one run entry. */
    public static final int RUN_ENTRY = 16;

    private RamSection() {}
}
