package io.ferry.internal.engine;

import com.google.common.util.concurrent.RateLimiter;
import io.ferry.migration.MigrationCancelledException;
import java.util.function.BooleanSupplier;

/** Enforces max-bandwidth on the stream; acquires in slices so a cancel is seen within a slice's time. */
final class Throttle {
    private static final int SLICE = 64 << 10;

    private final RateLimiter limiter;
    private final BooleanSupplier cancelled;

    private Throttle(RateLimiter limiter, BooleanSupplier cancelled) {
        this.limiter = limiter;
        this.cancelled = cancelled;
    }

    static Throttle of(long bytesPerSecond, BooleanSupplier cancelled) {
        return new Throttle(bytesPerSecond > 0 ? RateLimiter.create(bytesPerSecond) : null, cancelled);
    }

    boolean isLimited() {
        return limiter != null;
    }

    /** Waits until {@code bytes} more may be sent. */
    void acquire(long bytes) throws MigrationCancelledException {
        if (limiter == null) {
            return;
        }
        for (long left = bytes; left > 0; left -= SLICE) {
            if (cancelled.getAsBoolean()) {
                throw new MigrationCancelledException("migration cancelled");
            }
            limiter.acquire((int) Math.min(left, SLICE));
        }
    }
}
