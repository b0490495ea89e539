package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Map;

/**
 * The guest-programmed base registers: device table (GITS_BASER0), collection table
 * (GITS_BASER1) and command queue (GITS_CBASER), each an address and a size. Zero sizes mean
 * "not programmed" ({@link #NONE}).
 */
public record ItsBases(
        long deviceTable, int devices, long collectionTable, int collections, long queue, int queueBytes) {
    public static final ItsBases NONE = new ItsBases(0, 0, 0, 0, 0, 0);

    public boolean programmed() {
        return devices > 0 && collections > 0 && queueBytes > 0;
    }

    GuestRange deviceTableRange() {
        return new GuestRange(deviceTable, (long) devices * ItsLimits.DTE_BYTES);
    }

    GuestRange collectionTableRange() {
        return new GuestRange(collectionTable, (long) collections * ItsLimits.CTE_BYTES);
    }

    GuestRange queueRange() {
        return new GuestRange(queue, queueBytes);
    }

    /** The ranges the ITS owns, by name; an ITT must overlap none of them. */
    ImmutableMap<String, GuestRange> ownRanges() {
        return ImmutableMap.of(
                "device table",
                deviceTableRange(),
                "collection table",
                collectionTableRange(),
                "command queue",
                queueRange());
    }

    /**
     * Checks the bases against guest RAM of {@code ramBytes}: sizes within the limits, aligned,
     * inside RAM, not overlapping.
     *
     * @throws IllegalArgumentException naming the first base that is wrong
     */
    void check(long ramBytes) {
        if (equals(NONE)) {
            return;
        }
        checkArgument(
                devices >= 1 && devices <= ItsLimits.MAX_DEVICES,
                "device table entries %s outside [1, %s]",
                devices,
                ItsLimits.MAX_DEVICES);
        checkArgument(
                collections >= 1 && collections <= ItsLimits.MAX_COLLECTIONS,
                "collection table entries %s outside [1, %s]",
                collections,
                ItsLimits.MAX_COLLECTIONS);
        checkArgument(
                queueBytes >= ItsLimits.TABLE_ALIGN
                        && queueBytes <= ItsLimits.MAX_QUEUE_BYTES
                        && queueBytes % ItsLimits.TABLE_ALIGN == 0,
                "command queue size %s is not a multiple of 4 KiB up to %s",
                queueBytes,
                ItsLimits.MAX_QUEUE_BYTES);
        List<Map.Entry<String, GuestRange>> ranges = ownRanges().entrySet().asList();
        for (int i = 0; i < ranges.size(); i++) {
            String name = ranges.get(i).getKey();
            GuestRange r = ranges.get(i).getValue();
            checkArgument(r.address() % ItsLimits.TABLE_ALIGN == 0, "%s %s is not 4 KiB aligned", name, r);
            checkArgument(r.within(ramBytes), "%s %s lies outside guest RAM of %s bytes", name, r, ramBytes);
            for (int j = 0; j < i; j++) {
                checkArgument(
                        !r.overlaps(ranges.get(j).getValue()),
                        "%s %s overlaps the %s %s",
                        name,
                        r,
                        ranges.get(j).getKey(),
                        ranges.get(j).getValue());
            }
        }
    }
}
