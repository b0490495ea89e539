package io.ferry.machine;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The gate of {@link GuestMemory#holdWrites()}: every write through a {@link MemoryAccess}
 * passes it, except a vCPU's. A vCPU's write never takes a lock (the vCPU fast path stays one
 * type check), which is sound because writes are only held while the vCPUs are stopped. Writers
 * share the gate; a hold excludes them, and waits for the ones inside.
 */
final class WriteGate {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** Enters a write; returns whether it entered, to be handed to {@link #exit}. */
    boolean enter() {
        if (Thread.currentThread() instanceof Vcpu.VcpuThread) {
            return false;
        }
        lock.readLock().lock();
        return true;
    }

    void exit(boolean entered) {
        if (entered) {
            lock.readLock().unlock();
        }
    }

    WritesHeld hold() {
        lock.writeLock().lock();
        return new WritesHeld(lock.writeLock());
    }
}
