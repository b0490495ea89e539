package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Optional;

/**
 * One line of a machine's guest address map ({@link Machine#addressMap()}): a range of guest RAM
 * and who reserved it, or nobody (free for a plugin to {@link Machine#reserve}).
 */
public record AddressMapEntry(long base, long size, Optional<String> owner) {
    public AddressMapEntry {
        checkArgument(base >= 0 && size > 0, "address map entry: base %s, size %s", base, size);
        checkNotNull(owner, "owner");
    }

    public long end() {
        return base + size;
    }

    /** Whether nobody has reserved this range. */
    public boolean isFree() {
        return owner.isEmpty();
    }

    @Override
    public String toString() {
        return String.format("[0x%x, 0x%x) %s", base, end(), owner.orElse("free"));
    }
}
