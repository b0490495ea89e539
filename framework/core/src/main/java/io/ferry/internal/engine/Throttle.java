package io.ferry.internal.engine;

import com.google.common.util.concurrent.RateLimiter;
import io.ferry.migration.MigrationCancelledException;
import java.util.function.BooleanSupplier;

/**
 * Enforces max-bandwidth on the stream. Acquires in slices of at most 1/20 s of bandwidth, so a
 * cancel is seen within about 50 ms whatever the limit (RateLimiter sleeps uninterruptibly).
 */
final class Throttle {
    private static final int MAX_SLICE = 64 << 10;

    private final RateLimiter limiter;
    private final int slice;
    private final BooleanSupplier cancelled;

    private Throttle(RateLimiter limiter, BooleanSupplier cancelled) {
        this.limiter = limiter;
        this.slice = limiter == null ? MAX_SLICE : (int) Math.max(1, Math.min(MAX_SLICE, limiter.getRate() / 20));
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
        for (long left = bytes; left > 0; left -= slice) {
            if (cancelled.getAsBoolean()) {
                throw new MigrationCancelledException("migration cancelled");
            }
            limiter.acquire((int) Math.min(left, slice));
        }
    }
}
