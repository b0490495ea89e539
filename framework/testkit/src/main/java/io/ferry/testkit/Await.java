package io.ferry.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits on conditions, polled every millisecond: the testkit's answer to sleep-and-hope. */
public final class Await {
    private Await() {}

    /**
     * Returns as soon as {@code condition} holds; fails with {@code what} (asked only then, so it
     * can describe the state at the failure) if it does not within {@code timeout}.
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
            }
            Thread.sleep(1);
        }
    }

    /** {@link #until(Duration, BooleanSupplier, Supplier)} with a fixed description. */
    public static void until(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        until(timeout, condition, () -> what);
    }

    /**
     * Fails if {@code value} changes at any poll during {@code window}. An absence check (nothing
     * happens while stopped) needs a window; keep it short.
     */
    public static void stableFor(Duration window, Supplier<?> value) throws InterruptedException {
        Object first = value.get();
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() - end < 0) {
            Thread.sleep(1);
            Object now = value.get();
            if (!Objects.equals(first, now)) {
                throw new AssertionError("changed from " + first + " to " + now);
            }
        }
    }
}
