package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * What the ITS has done: commands consumed from the queue (accepted or not), commands rejected,
 * MSIs translated and delivered, MSIs dropped because they were not mapped. They migrate with
 * the registers, so a command consumed twice or never shows up as a wrong count.
 */
public record ItsCounters(long processed, long rejected, long msisDelivered, long msisDropped) {
    public static final ItsCounters ZERO = new ItsCounters(0, 0, 0, 0);

    public ItsCounters {
        checkArgument(
                processed >= 0 && rejected >= 0 && msisDelivered >= 0 && msisDropped >= 0,
                "ITS counters must be >= 0: %s processed, %s rejected, %s delivered, %s dropped",
                processed,
                rejected,
                msisDelivered,
                msisDropped);
        checkArgument(rejected <= processed, "%s commands rejected of %s processed", rejected, processed);
    }

    ItsCounters afterCommand(boolean accepted) {
        return new ItsCounters(processed + 1, rejected + (accepted ? 0 : 1), msisDelivered, msisDropped);
    }

    ItsCounters afterMsi(boolean delivered) {
        return new ItsCounters(
                processed, rejected, msisDelivered + (delivered ? 1 : 0), msisDropped + (delivered ? 0 : 1));
    }
}
