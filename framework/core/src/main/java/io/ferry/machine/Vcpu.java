package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A vCPU thread that runs a {@link GuestTask} at a set rate while its machine runs. It runs steps
 * in small batches between safepoints: a machine stop returns only once the current batch is done,
 * and no step runs while the machine is stopped. Started by {@link Machine#startVcpu}. A CPU
 * throttle or a dirty-page limit ({@link Machine#throttleVcpus}, {@link Machine#limitDirtyRate})
 * slows it down between batches ({@code VcpuPacer}).
 */
public final class Vcpu {
    private final String name;
    private final long stepsPerSecond;
    private final GuestTask task;
    private final int batch;
    private final AtomicLong steps = new AtomicLong();
    private volatile Thread thread;
    private final GuestMemory memory;
    private volatile boolean stopRequested;
    private volatile Exception failure;
    private volatile int throttlePercent;
    private volatile long dirtyLimit;
    private volatile long pagesDirtied;

    Vcpu(String name, long stepsPerSecond, GuestTask task, GuestMemory memory) {
        this.name = checkNotNull(name, "name");
        this.memory = checkNotNull(memory, "memory");
        checkArgument(stepsPerSecond > 0, "vCPU %s: rate must be > 0 steps/s but was %s", name, stepsPerSecond);
        this.stepsPerSecond = stepsPerSecond;
        this.task = checkNotNull(task, "task");
        // About a millisecond of work per batch, so a stop waits about that long.
        this.batch = (int) Math.max(1, Math.min(64, stepsPerSecond / 1000));
    }

    /** Whether {@code t} is this vCPU's thread. */
    boolean runsOn(Thread t) {
        return thread == t;
    }

    public String name() {
        return name;
    }

    public long stepsPerSecond() {
        return stepsPerSecond;
    }

    public GuestTask task() {
        return task;
    }

    /** Steps completed so far. */
    public long steps() {
        return steps.get();
    }

    /** Pages this vCPU newly marked in the dirty log (only while logging is on), up to its last batch. */
    public long pagesDirtied() {
        return pagesDirtied;
    }

    /** The CPU throttle in percent (QEMU's cpu-throttle-percentage); 0 when not throttled. */
    public int throttlePercent() {
        return throttlePercent;
    }

    /** The dirty-page limit in pages per second (QEMU's dirty-limit); 0 when none. */
    public long dirtyLimit() {
        return dirtyLimit;
    }

    /** Throttles this vCPU to run at most {@code 100 - percent} percent of the time; see {@link Machine#throttleVcpus}. */
    void throttle(int percent) {
        checkArgument(
                percent >= 0 && percent <= 99,
                "vCPU %s: throttle must be in [0, 99] percent but was %s",
                name,
                percent);
        throttlePercent = percent;
    }

    /** Limits the pages this vCPU newly dirties per second, 0 for no limit; see {@link Machine#limitDirtyRate}. */
    void limitDirtyRate(long pagesPerSecond) {
        checkArgument(
                pagesPerSecond >= 0, "vCPU %s: dirty limit must be >= 0 pages/s but was %s", name, pagesPerSecond);
        dirtyLimit = pagesPerSecond;
    }

    /** The exception that stopped this vCPU, if one did. */
    public Optional<Exception> failure() {
        return Optional.ofNullable(failure);
    }

    void start(RunGate gate) {
        Thread t = new VcpuThread(() -> run(gate), "ferry-vcpu-" + name, memory);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Whether the vCPU's thread has ended (or never started). */
    boolean ended() {
        Thread t = thread;
        return t == null || !t.isAlive();
    }

    void stop() {
        stopRequested = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run(RunGate gate) {
        VcpuThread self = (VcpuThread) Thread.currentThread();
        long nanosPerBatch = TimeUnit.SECONDS.toNanos(1) * batch / stepsPerSecond;
        VcpuPacer pacer = new VcpuPacer(nanosPerBatch, System.nanoTime());
        long index = 0;
        while (!stopRequested) {
            long before = System.nanoTime();
            try {
                gate.enter();
            } catch (InterruptedException e) {
                return;
            }
            long start = System.nanoTime();
            if (start - before > nanosPerBatch) {
                pacer.resumedAt(start); // time spent stopped at the gate is no debt to catch up
            }
            long dirtiedBefore = self.dirtied;
            try {
                for (int i = 0; i < batch; i++) {
                    task.step(index++);
                }
                steps.addAndGet(batch);
            } catch (Exception e) {
                failure = e;
                return;
            } finally {
                gate.exit();
            }
            long end = System.nanoTime();
            pagesDirtied = self.dirtied;
            pacer.throttle(throttlePercent);
            pacer.dirtyLimit(dirtyLimit, start);
            long wait = pacer.next(start, end, self.dirtied - dirtiedBefore) - end;
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    /**
     * The thread of a vCPU: the tracked path counts the pages it newly dirties here, so the
     * dirty limit paces by what the vCPU really dirtied (QEMU counts them in the dirty ring).
     */
    static final class VcpuThread extends Thread {
        /** The memory of this vCPU's machine: the only one whose gate it skips (see WriteGate). */
        final GuestMemory memory;

        long dirtied; // written and read only by this thread

        VcpuThread(Runnable run, String name, GuestMemory memory) {
            super(run, name);
            this.memory = memory;
        }
    }

    @Override
    public String toString() {
        Thread t = thread;
        return "Vcpu[" + name + ", " + stepsPerSecond + " steps/s, " + steps() + " done"
                + (t == null ? "" : ", thread " + t.getState())
                + failure().map(e -> ", failed: " + e).orElse("") + "]";
    }
}
