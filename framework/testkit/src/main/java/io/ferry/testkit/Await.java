package io.ferry.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on a condition with a bound: the testkit's answer to sleep-and-hope. */
public final class Await {
    private Await() {}

    /**
     * Returns as soon as {@code condition} holds; fails naming {@code what} if it does not
     * within {@code timeout}. Polls every millisecond.
     */
    public static void until(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
