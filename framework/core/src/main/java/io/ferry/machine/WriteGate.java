package io.ferry.machine;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The gate of {@link GuestMemory#holdWrites()} and of the memory's release: every write and every
 * read through a {@link MemoryAccess}, and each piece of a whole-memory reader (digest, compare,
 * zero scan), passes it, except a vCPU's. A vCPU's access never takes a lock (the vCPU fast path
 * stays one type check), which is sound because writes are only held while the vCPUs are stopped
 * and the memory is only released once they have ended. Readers and writers share the gate; a
 * hold excludes them, and waits for the ones inside. The cost elsewhere: one uncontended read
 * lock per access (per piece of a whole-memory reader).
 */
final class WriteGate {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** Enters a read or a write; returns whether it entered, to be handed to {@link #exit}. */
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

    /** Whether the current thread holds the gate: then only it may enter, so it must not wait on others who do. */
    boolean isHeldByCurrentThread() {
        return lock.isWriteLockedByCurrentThread();
    }

    WritesHeld hold() {
        lock.writeLock().lock();
        return new WritesHeld(lock.writeLock());
    }
}
