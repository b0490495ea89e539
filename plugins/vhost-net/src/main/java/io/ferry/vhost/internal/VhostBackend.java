package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.DirtyLog;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryAccess;
import io.ferry.vhost.RxRingLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The vhost worker: a thread that takes packets from a {@link PacketSource}, copies each into the
 * next buffer the guest posted and publishes it in the used ring. Like DMA it writes guest RAM
 * through the untracked path, so the vCPU dirty log never sees these writes; it marks every page
 * it writes in its own {@link DirtyLog}, after writing it.
 *
 * <p>It works in short bursts between which {@link #stop()} can take effect: {@code stop()}
 * returns only once no burst is running, and none starts until {@link #start()}. A queue state
 * must be {@link #arm armed} before it works at all (the source's initial state, or the state a
 * destination loaded). Packets are paced at a set rate; a guest that posts no buffers holds them
 * back rather than losing them.
 */
final class VhostBackend {
    private static final int BURST = 16;
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String name;
    private final GuestMemory memory;
    private final MemoryAccess dma;
    private final RxRingLayout layout;
    private final DirtyLog log;
    private final long nanosPerPacket;
    private final ByteBuffer packet;
    private final AtomicLong delivered = new AtomicLong();
    private final Object lock = new Object();
    private PacketSource source; // guarded by lock; set when armed
    private boolean runRequested; // guarded by lock
    private boolean busy; // guarded by lock
    private boolean shutdown; // guarded by lock
    private Thread worker; // guarded by lock
    private volatile RxQueueState queue; // written by the worker while busy, by arm() while stopped
    private volatile RuntimeException failure;

    VhostBackend(String name, GuestMemory memory, RxRingLayout layout, long packetsPerSecond) {
        checkArgument(packetsPerSecond > 0, "packet rate must be > 0 but was %s", packetsPerSecond);
        this.name = checkNotNull(name, "name");
        this.memory = memory;
        this.dma = memory.untracked(name); // names this backend if it writes while RAM is sealed
        this.layout = layout;
        this.log = new DirtyLog(name, memory.pages());
        this.nanosPerPacket = TimeUnit.SECONDS.toNanos(1) / packetsPerSecond;
        this.packet = ByteBuffer.allocateDirect(layout.bufferSize());
    }

    /** The log of the guest pages this backend wrote, registered with each migration. */
    DirtyLog log() {
        return log;
    }

    /** Gives the backend a queue state to continue from. Only while stopped. */
    void arm(RxQueueState state, long seed) {
        synchronized (lock) {
            checkState(!runRequested && !busy, "backend %s: arm it while stopped", name);
            queue = checkNotNull(state, "state");
            source = new PacketSource(seed, layout.bufferSize());
            lock.notifyAll();
        }
    }

    boolean isArmed() {
        synchronized (lock) {
            return source != null;
        }
    }

    /** The queue state; stable once {@link #stop()} has returned. */
    RxQueueState queue() {
        return queue;
    }

    /** Packets delivered so far. */
    long delivered() {
        return delivered.get();
    }

    /** Why the worker gave up, if it did (a guest ring it could not use). */
    Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    /** Lets the worker run (once armed). Idempotent. */
    void start() {
        synchronized (lock) {
            checkState(!shutdown, "backend %s is shut down", name);
            runRequested = true;
            if (worker == null) {
                worker = new Thread(this::run, "ferry-vhost-" + name);
                worker.setDaemon(true);
                worker.start();
            }
            lock.notifyAll();
        }
    }

    /** Stops the worker and waits until it is between bursts: no guest write happens after this returns. */
    void stop() {
        synchronized (lock) {
            runRequested = false;
            awaitIdle();
        }
    }

    /** Stops the worker for good and waits for its thread to end. */
    void shutdown() {
        Thread t;
        synchronized (lock) {
            shutdown = true;
            runRequested = false;
            lock.notifyAll();
            awaitIdle();
            t = worker;
        }
        if (t != null) {
            joinUninterruptibly(t);
        }
    }

    private void awaitIdle() {
        boolean interrupted = false;
        while (busy) {
            try {
                lock.wait();
            } catch (InterruptedException e) {
                interrupted = true; // a stop must complete: finish waiting, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long next = System.nanoTime();
        while (true) {
            PacketSource src;
            synchronized (lock) {
                if (!awaitRunnable()) {
                    return;
                }
                busy = true;
                src = source;
            }
            int sent;
            try {
                long now = System.nanoTime();
                next = now - next > MAX_LAG_NANOS ? now : next; // after a stop, do not burst to catch up
                sent = burst(src, next);
            } catch (RuntimeException e) {
                failure = e;
                sent = 0;
            } finally {
                synchronized (lock) {
                    busy = false;
                    lock.notifyAll();
                }
            }
            next += sent * nanosPerPacket;
            LockSupport.parkNanos(sent == 0 ? POLL_NANOS : Math.max(0, next - System.nanoTime()));
        }
    }

    /** Waits until the worker may run; false once shut down. Called holding the lock. */
    private boolean awaitRunnable() {
        while (!shutdown && !(runRequested && source != null && failure == null)) {
            try {
                lock.wait();
            } catch (InterruptedException e) {
                // Only shutdown() ends the worker: a stray interrupt must not leave a started backend without a thread.
            }
        }
        return !shutdown;
    }

    /** Delivers the packets due by now, up to a burst; returns how many. */
    private int burst(PacketSource src, long due) {
        int sent = 0;
        while (sent < BURST && System.nanoTime() >= due + sent * nanosPerPacket && deliver(src)) {
            sent++;
        }
        return sent;
    }

    /** Delivers one packet into the next posted buffer; false if the guest has posted none. */
    private boolean deliver(PacketSource src) {
        RxQueueState q = queue;
        int avail = dma.readInt(layout.availRing() + RxRingLayout.RING_IDX);
        VarHandle.acquireFence(); // the entries and descriptors the driver wrote before the index
        int posted = avail - q.lastAvail();
        if (posted == 0) {
            return false;
        }
        checkState(
                Integer.compareUnsigned(posted, layout.queueSize()) <= 0,
                "guest avail index %s is %s entries ahead of the backend, more than the queue holds",
                Integer.toUnsignedString(avail),
                Integer.toUnsignedString(posted));
        int id = dma.readInt(layout.availEntry(q.lastAvail()));
        checkState(id >= 0 && id < layout.queueSize(), "guest posted descriptor %s, outside the queue", id);
        long address = dma.readLong(layout.descriptor(id));
        int capacity = dma.readInt(layout.descriptor(id) + 8);
        int flags = dma.readInt(layout.descriptor(id) + 12);
        int length = src.write(q.nextSeq(), packet);
        checkState(
                (flags & RxDriver.DESC_F_WRITE) != 0 && capacity >= length && memory.contains(address, length),
                "descriptor %s (0x%s, %s bytes, flags %s) cannot take a packet of %s bytes",
                id,
                Long.toHexString(address),
                capacity,
                flags,
                length);
        dma.write(address, packet);
        markPages(address, length);
        long entry = layout.usedEntry(q.used());
        dma.writeInt(entry, id);
        dma.writeInt(entry + 4, length);
        markPages(entry, 8);
        VarHandle.releaseFence(); // the packet and the entry before the index that publishes them
        long index = layout.usedRing() + RxRingLayout.RING_IDX;
        dma.writeInt(index, q.used() + 1);
        markPages(index, 4);
        queue = q.advance();
        delivered.incrementAndGet();
        return true;
    }

    private void markPages(long address, long length) {
        long first = address >>> GuestMemory.PAGE_SHIFT;
        log.markRange(first, ((address + length - 1) >>> GuestMemory.PAGE_SHIFT) - first + 1);
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "VhostBackend[" + name + ", " + queue + ", " + delivered() + " delivered]";
    }
}
