package io.ferry.machine;

import java.util.concurrent.locks.Lock;

/**
 * A hold on guest RAM's writes, from {@link GuestMemory#holdWrites()}: while it is open no
 * write but a vCPU's is in progress or can start. Closing it lets the waiting writers in; only
 * the thread that took it may close it, and closing twice does nothing.
 */
public final class WritesHeld implements AutoCloseable {
    private final Lock lock;
    private boolean open = true;

    WritesHeld(Lock lock) {
        this.lock = lock;
    }

    @Override
    public void close() {
        if (open) {
            lock.unlock(); // first: from another thread it throws, and the hold stays open and closable
            open = false;
        }
    }
}
