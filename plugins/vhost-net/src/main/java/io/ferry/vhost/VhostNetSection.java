package io.ferry.vhost;

import io.ferry.pipeline.SectionId;

/**
 * The vhost-net section: one chunk, emitted at COMPLETE once the backend has stopped, carrying
 * what the device knows and guest RAM does not. Big-endian:
 *
 * <pre>
 *   u64 ring base, u32 queue size, u32 buffer size   the {@link RxRingLayout}, checked against the destination's
 *   u64 negotiated features                           must be a subset of what the destination offers
 *   u32 last avail index                              next available-ring entry the backend takes
 *   u32 used index                                    next used-ring entry the backend fills
 *   u64 next packet sequence number                   where the packet source continues
 *   u64 packet source seed
 * </pre>
 */
public final class VhostNetSection {
    public static final SectionId ID = SectionId.of("vhost-net", 0, 1);
    /** Bytes of the one state chunk. */
    public static final int STATE_BYTES = 48;

    private VhostNetSection() {}
}
