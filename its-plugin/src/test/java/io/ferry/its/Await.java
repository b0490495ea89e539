package io.ferry.its;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling it until a deadline; fails the test if the deadline passes. */
final class Await {
    private static final long POLL_MILLIS = 5;

    private Await() {}

    static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still waiting after " + timeout.toMillis() + " ms for " + what);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
