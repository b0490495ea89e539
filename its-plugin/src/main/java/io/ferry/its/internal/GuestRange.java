package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

/** A range of guest addresses {@code [address, address + bytes)}, for bounds and overlap checks. */
record GuestRange(long address, long bytes) {
    GuestRange {
        checkArgument(bytes >= 0, "range length must be >= 0 but was %s", bytes);
    }

    /** Whether the whole range lies in guest RAM of {@code ramBytes} (overflow-safe). */
    boolean within(long ramBytes) {
        return address >= 0 && address <= ramBytes - bytes;
    }

    boolean overlaps(GuestRange other) {
        return bytes > 0 && other.bytes > 0 && address < other.end() && other.address < end();
    }

    long end() {
        return address + bytes;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(address) + ", +0x" + Long.toHexString(bytes) + ")";
    }
}
