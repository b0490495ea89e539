package io.ferry.htab;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The shape of a hashed page table: 16-byte entries (two 64-bit words, as a POWER HPTE) in
 * groups of 256. A group (4 KiB) is the unit the device tracks changes in and sends.
 *
 * @param tableBytes size of the table: a multiple of {@link #GROUP_BYTES}, at most {@link #MAX_TABLE_BYTES}
 */
public record HtabGeometry(long tableBytes) {
    public static final int ENTRY_BYTES = 16;
    public static final int GROUP_ENTRIES = 256;
    public static final int GROUP_BYTES = ENTRY_BYTES * GROUP_ENTRIES;
    public static final long DEFAULT_TABLE_BYTES = 64L << 20;
    /** One direct buffer holds the table. */
    public static final long MAX_TABLE_BYTES = 1L << 30;

    public HtabGeometry {
        checkArgument(
                tableBytes >= GROUP_BYTES && tableBytes <= MAX_TABLE_BYTES && tableBytes % GROUP_BYTES == 0,
                "htab size must be a multiple of %s bytes in [%s, %s] but was %s",
                GROUP_BYTES,
                GROUP_BYTES,
                MAX_TABLE_BYTES,
                tableBytes);
    }

    public static HtabGeometry defaults() {
        return new HtabGeometry(DEFAULT_TABLE_BYTES);
    }

    public long entries() {
        return tableBytes / ENTRY_BYTES;
    }

    public int groups() {
        return (int) (tableBytes / GROUP_BYTES);
    }

    /** The group holding entry {@code entry}. */
    public int groupOf(long entry) {
        return (int) (entry / GROUP_ENTRIES);
    }
}
