package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

/** An interrupt translation entry's content: the LPI an event raises and the collection it targets. */
public record EventMapping(int intId, int collection) {
    public EventMapping {
        checkArgument(
                intId >= ItsLimits.MIN_LPI && intId < ItsLimits.INTID_LIMIT,
                "pINTID %s is not an LPI [%s, %s)",
                intId,
                ItsLimits.MIN_LPI,
                ItsLimits.INTID_LIMIT);
        checkArgument(
                collection >= 0 && collection < ItsLimits.MAX_COLLECTIONS,
                "ICID %s outside [0, %s)",
                collection,
                ItsLimits.MAX_COLLECTIONS);
    }
}
