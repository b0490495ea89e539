package io.ferry.internal.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Runs an action once after a timeout unless disarmed first: bounds a blocking wait by closing what it waits on. */
final class Watchdog implements AutoCloseable {
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final AtomicBoolean fired = new AtomicBoolean();

    private Watchdog() {}

    static Watchdog arm(Duration timeout, Runnable onExpiry) {
        Watchdog w = new Watchdog();
        CompletableFuture.runAsync(
                () -> {
                    if (w.armed.compareAndSet(true, false)) {
                        w.fired.set(true);
                        onExpiry.run();
                    }
                },
                // The action runs on a thread of its own once due, not on the common pool: a pool
                // kept busy by the embedding program would leave the wait it bounds unbounded.
                CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS, action -> {
                    if (w.armed.get()) { // disarmed meanwhile: no thread for nothing
                        startThread(action);
                    }
                }));
        return w;
    }

    private static void startThread(Runnable action) {
        Thread t = new Thread(action, "ferry-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** Whether the timeout expired and the action ran. */
    boolean fired() {
        return fired.get();
    }

    @Override
    public void close() {
        armed.set(false);
    }
}
