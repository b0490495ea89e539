package io.ferry.htab.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits on conditions, polled every millisecond. */
final class Await {
    private Await() {}

    /** Returns once {@code condition} holds; fails with {@code what} if it does not within {@code timeout}. */
    static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
            }
            Thread.sleep(1);
        }
    }

    /** Fails if {@code value} changes at any poll during {@code window}: an absence check, so it needs a window. */
    static void stableFor(Duration window, Supplier<?> value) throws InterruptedException {
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
