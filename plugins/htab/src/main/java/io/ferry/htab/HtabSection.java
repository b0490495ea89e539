package io.ferry.htab;

import io.ferry.pipeline.SectionId;

/**
 * The htab section and its chunk format. Every chunk starts with a kind byte; numbers are
 * big-endian, table entries travel as the table holds them:
 *
 * <ul>
 *   <li>{@link #HEADER} (SETUP): u64 table bytes, u32 entry bytes, u32 group bytes;
 *   <li>{@link #GROUPS} (ITERATE, COMPLETE): u32 group count, then per group a u32 group index
 *       and the group's {@link HtabGeometry#GROUP_BYTES} bytes.
 * </ul>
 *
 * SETUP sends the header; ITERATE sends the groups changed since they were last sent, within the
 * pass budget; COMPLETE sends every group still changed. Every group travels at least once.
 */
public final class HtabSection {
    public static final SectionId ID = SectionId.of("htab", 0, 1);

    public static final byte HEADER = 1;
    public static final byte GROUPS = 2;
    /** Bytes of a header chunk. */
    public static final int HEADER_BYTES = 1 + 8 + 4 + 4;
    /** Bytes before the first group record of a groups chunk. */
    public static final int GROUPS_PREFIX = 1 + 4;
    /** Bytes of one group record. */
    public static final int GROUP_RECORD = 4 + HtabGeometry.GROUP_BYTES;

    private HtabSection() {}
}
