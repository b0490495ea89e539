package io.ferry.its.internal;

/** What an MSI (DeviceID, EventID) translates to: an interrupt for a vCPU, or nothing, and why. */
public sealed interface Translation {
    /** Physical interrupt {@code intId} (an LPI) for target vCPU {@code vcpu}. */
    record Mapped(int intId, int vcpu) implements Translation {}

    /** Not mapped; the MSI is dropped. */
    record NotMapped(Reason reason) implements Translation {}

    /** The first thing missing on the way from (DeviceID, EventID) to a vCPU. */
    enum Reason {
        ITS_DISABLED,
        DEVICE,
        EVENT,
        COLLECTION
    }

    static Translation notMapped(Reason reason) {
        return new NotMapped(reason);
    }
}
