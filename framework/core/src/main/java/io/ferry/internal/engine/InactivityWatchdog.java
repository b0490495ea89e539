package io.ferry.internal.engine;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Fires once if {@link #touch()} is not called for longer than a limit: bounds a wait on a peer
 * that may have vanished without closing the connection, not this side's own work (see {@link
 * #ownWorkStarted()}). A thread of its own checks about ten times per limit; touching is one
 * volatile write.
 */
final class InactivityWatchdog {
    private final long limitNanos;
    private final Runnable onSilence;
    private volatile long lastTouch = System.nanoTime();
    private volatile boolean stopped;
    private volatile boolean ownWork;
    private Thread thread;

    InactivityWatchdog(Duration limit, Runnable onSilence) {
        this.limitNanos = limit.toNanos();
        this.onSilence = onSilence;
    }

    void start(String name) {
        touch();
        thread = new Thread(this::watch, name);
        thread.setDaemon(true);
        thread.start();
    }

    void touch() {
        lastTouch = System.nanoTime();
    }

    /**
     * This side's own work starts (a handler runs): silence is not counted until {@link
     * #ownWorkEnded()}, from which it counts afresh. Not nested.
     */
    void ownWorkStarted() {
        ownWork = true;
    }

    void ownWorkEnded() {
        touch();
        ownWork = false;
    }

    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void watch() {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), limitNanos / 10);
        while (!stopped) {
            LockSupport.parkNanos(period);
            if (!stopped && !ownWork && System.nanoTime() - lastTouch > limitNanos) {
                onSilence.run();
                return;
            }
        }
    }
}
