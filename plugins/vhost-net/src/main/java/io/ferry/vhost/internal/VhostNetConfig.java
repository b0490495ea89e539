package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.machine.GuestMemory;
import io.ferry.vhost.RxRingLayout;

/**
 * How a vhost-net device is set up: where its queue lives, how fast packets arrive and how often
 * the guest driver polls.
 *
 * @param layout the receive queue in guest RAM
 * @param packetsPerSecond the rate the backend hands packets to the guest at
 * @param driverStepsPerSecond the rate the guest driver's vCPU polls the used ring at
 */
record VhostNetConfig(RxRingLayout layout, long packetsPerSecond, long driverStepsPerSecond) {
    static final long DEFAULT_PACKETS_PER_SECOND = 10_000;
    static final long DEFAULT_DRIVER_STEPS_PER_SECOND = 5_000;

    VhostNetConfig {
        checkNotNull(layout, "layout");
        checkArgument(packetsPerSecond > 0, "packet rate must be > 0 but was %s", packetsPerSecond);
        checkArgument(driverStepsPerSecond > 0, "driver rate must be > 0 but was %s", driverStepsPerSecond);
    }

    /** The default queue in the middle of {@code memory}, at the default rates. */
    static VhostNetConfig defaultFor(GuestMemory memory) {
        return new VhostNetConfig(
                RxRingLayout.centeredIn(memory), DEFAULT_PACKETS_PER_SECOND, DEFAULT_DRIVER_STEPS_PER_SECOND);
    }
}
