package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Where the backend is in the queue and in the packet stream: host-side state that guest RAM
 * does not hold, so it travels in the vhost-net chunk.
 *
 * @param lastAvail next available-ring index the backend takes a buffer from
 * @param used next used-ring index the backend fills
 * @param nextSeq sequence number of the next packet the source hands over
 */
record RxQueueState(int lastAvail, int used, long nextSeq) {
    static final RxQueueState INITIAL = new RxQueueState(0, 0, 0);

    RxQueueState {
        checkArgument(nextSeq >= 0, "next packet sequence number must be >= 0 but was %s", nextSeq);
    }

    /** The state after one more packet was delivered. */
    RxQueueState advance() {
        return new RxQueueState(lastAvail + 1, used + 1, nextSeq + 1);
    }
}
