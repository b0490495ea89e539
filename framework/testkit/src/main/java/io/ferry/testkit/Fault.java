package io.ferry.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.stream.FrameType;

/** A fault to inject into the source's outgoing stream. */
public sealed interface Fault {
    /** The connection breaks once {@code bytes} bytes have been written. */
    record DropAfter(long bytes) implements Fault {
        public DropAfter {
            checkArgument(bytes >= 0, "bytes must be >= 0");
        }
    }

    /** The byte at stream offset {@code offset} arrives with its bits flipped by {@code mask}. */
    record FlipByte(long offset, int mask) implements Fault {
        public FlipByte {
            checkArgument(offset >= 0, "offset must be >= 0");
            checkArgument(mask != 0 && (mask & ~0xFF) == 0, "mask must be a non-zero byte");
        }
    }

    /**
     * The link fails at the source's first frame of type {@code frame}, just before it is written or
     * just after ({@code afterIt}): cut (the connection closes, the write fails) or silent (a partition:
     * nothing more passes either way, not even the source closing its end, so the destination learns
     * of it only from its own timeouts). The source's decision port stays reachable (see
     * {@link FaultyChannel#FaultyChannel(io.ferry.transport.MigrationChannel, Fault, boolean)}).
     */
    record LinkFails(FrameType frame, boolean afterIt, boolean silent) implements Fault {
        public LinkFails {
            checkNotNull(frame, "frame");
        }
    }

    static Fault dropAfter(long bytes) {
        return new DropAfter(bytes);
    }

    static Fault flipByte(long offset) {
        return new FlipByte(offset, 0x01);
    }
}
