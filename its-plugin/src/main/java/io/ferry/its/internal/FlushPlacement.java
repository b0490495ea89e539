package io.ferry.its.internal;

import io.ferry.pipeline.Priority;

/** Where the ITS flush runs on COMPLETE, or that it does not run at all (for tests that show why it must). */
public sealed interface FlushPlacement {
    /** The flush runs at {@code priority}. */
    record At(int priority) implements FlushPlacement {}

    /** No flush handler: the tables in guest RAM are whatever the guest last left there. */
    record Omitted() implements FlushPlacement {}

    /** The right place: after the vCPUs stop, before RAM's final pass. */
    static FlushPlacement beforeRam() {
        return new At(Priority.BEFORE_RAM);
    }

    static FlushPlacement at(int priority) {
        return new At(priority);
    }

    static FlushPlacement omitted() {
        return new Omitted();
    }
}
