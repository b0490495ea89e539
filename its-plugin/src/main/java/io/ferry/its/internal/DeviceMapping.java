package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

/** A device table entry's content: where the device's ITT is and how many EventID bits it has. */
public record DeviceMapping(long itt, int eventBits) {
    public DeviceMapping {
        checkArgument(
                eventBits >= 1 && eventBits <= ItsLimits.MAX_EVENT_BITS,
                "event bits %s outside [1, %s]",
                eventBits,
                ItsLimits.MAX_EVENT_BITS);
        checkArgument(itt >= 0, "ITT address 0x%s is negative", Long.toHexString(itt));
        checkArgument(
                itt % ItsLimits.ITT_ALIGN == 0, "ITT address 0x%s is not 256-byte aligned", Long.toHexString(itt));
    }

    /** Number of EventIDs, and of ITT entries. */
    public int events() {
        return 1 << eventBits;
    }

    GuestRange ittRange() {
        return new GuestRange(itt, (long) events() * ItsLimits.ITE_BYTES);
    }
}
