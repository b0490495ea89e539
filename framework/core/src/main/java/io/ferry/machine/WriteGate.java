package io.ferry.machine;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The gates of one guest memory. <b>Writes</b> through a {@link MemoryAccess} share the write gate,
 * and a hold ({@link GuestMemory#holdWrites()}) excludes them and waits for the ones inside.
 * <b>Reads</b> (through a {@link MemoryAccess}, and each piece of a whole-memory reader: digest,
 * compare, zero scan) share the read gate, which only the release of the memory excludes: a read
 * needs live memory, not quiet memory, so a hold never makes a reader wait (a {@code ferry:verify}
 * while a switchover holds writes until its commit, say). The release takes both. An access by a
 * vCPU of this memory's machine passes neither (the vCPU fast path stays a type check and a
 * compare), which is sound because writes are only held while the machine's vCPUs are stopped and
 * the memory is only released once they have ended, by the one machine it belongs to
 * ({@code GuestMemory.adopt}); a vCPU of another machine has no such promise,
 * so it passes the gates. The cost elsewhere: a read lock per access (per piece of a whole-memory
 * reader), shared by every thread that enters.
 */
final class WriteGate {
    private final ReentrantReadWriteLock writes = new ReentrantReadWriteLock();
    private final ReentrantReadWriteLock reads = new ReentrantReadWriteLock();
    private final GuestMemory memory;

    WriteGate(GuestMemory memory) {
        this.memory = memory;
    }

    /** Enters a write; returns whether it entered, to be handed to {@link #exit}. */
    boolean enter() {
        return enter(writes);
    }

    void exit(boolean entered) {
        exit(writes, entered);
    }

    /** Enters a read; returns whether it entered, to be handed to {@link #exitRead}. */
    boolean enterRead() {
        return enter(reads);
    }

    void exitRead(boolean entered) {
        exit(reads, entered);
    }

    WritesHeld hold() {
        writes.writeLock().lock();
        return new WritesHeld(writes.writeLock());
    }

    /** Runs {@code free} with no read in progress and none starting: the memory's release. */
    void release(Runnable free) {
        try (WritesHeld held = hold()) {
            reads.writeLock().lock();
            try {
                free.run();
            } finally {
                reads.writeLock().unlock();
            }
        }
    }

    /** Excludes reads until closed, as the release does, without freeing anything: for tests. */
    AutoCloseable excludeReads() {
        reads.writeLock().lock();
        return reads.writeLock()::unlock;
    }

    private boolean enter(ReentrantReadWriteLock gate) {
        if (Thread.currentThread() instanceof Vcpu.VcpuThread v && v.memory == memory) {
            return false;
        }
        gate.readLock().lock();
        return true;
    }

    private static void exit(ReentrantReadWriteLock gate, boolean entered) {
        if (entered) {
            gate.readLock().unlock();
        }
    }
}
