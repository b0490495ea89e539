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
 * and no step runs while the machine is stopped. Started by {@link Machine#startVcpu}.
 */
public final class Vcpu {
    private final String name;
    private final long stepsPerSecond;
    private final GuestTask task;
    private final int batch;
    private final AtomicLong steps = new AtomicLong();
    private volatile Thread thread;
    private volatile boolean stopRequested;
    private volatile Exception failure;

    Vcpu(String name, long stepsPerSecond, GuestTask task) {
        this.name = checkNotNull(name, "name");
        checkArgument(stepsPerSecond > 0, "vCPU %s: rate must be > 0 steps/s but was %s", name, stepsPerSecond);
        this.stepsPerSecond = stepsPerSecond;
        this.task = checkNotNull(task, "task");
        // About a millisecond of work per batch, so a stop waits about that long.
        this.batch = (int) Math.max(1, Math.min(64, stepsPerSecond / 1000));
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

    /** The exception that stopped this vCPU, if one did. */
    public Optional<Exception> failure() {
        return Optional.ofNullable(failure);
    }

    void start(RunGate gate) {
        Thread t = new Thread(() -> run(gate), "ferry-vcpu-" + name);
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
        long nanosPerBatch = TimeUnit.SECONDS.toNanos(1) * batch / stepsPerSecond;
        long next = System.nanoTime();
        long index = 0;
        while (!stopRequested) {
            try {
                gate.enter();
            } catch (InterruptedException e) {
                return;
            }
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
            next += nanosPerBatch;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -TimeUnit.MILLISECONDS.toNanos(100)) {
                next = System.nanoTime(); // after a stop, do not burst to catch up
            }
        }
    }

    @Override
    public String toString() {
        Thread t = thread;
        return "Vcpu[" + name + ", " + stepsPerSecond + " steps/s, " + steps() + " done"
                + (t == null ? "" : ", thread " + t.getState()) + failure().map(e -> ", failed: " + e).orElse("") + "]";
    }
}
