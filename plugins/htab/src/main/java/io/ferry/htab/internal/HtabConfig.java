package io.ferry.htab.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.htab.HtabGeometry;

/**
 * How an htab device is set up.
 *
 * @param geometry the table's size
 * @param updatesPerSecond how many entries the guest workload rewrites per second
 */
record HtabConfig(HtabGeometry geometry, long updatesPerSecond) {
    static final long DEFAULT_UPDATES_PER_SECOND = 20_000;

    HtabConfig {
        checkNotNull(geometry, "geometry");
        checkArgument(updatesPerSecond > 0, "htab update rate must be > 0 but was %s", updatesPerSecond);
    }

    static HtabConfig defaults() {
        return new HtabConfig(HtabGeometry.defaults(), DEFAULT_UPDATES_PER_SECOND);
    }
}
