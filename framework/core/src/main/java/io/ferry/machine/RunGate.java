package io.ferry.machine;

/**
 * The safepoint between vCPU threads and run-state changes: vCPUs {@link #enter()} before a
 * batch of guest writes and {@link #exit()} after it; {@link #close()} returns only once every
 * vCPU is outside, so no guest write happens while the machine is stopped.
 */
final class RunGate {
    private boolean open;
    private int inside;

    synchronized void open() {
        open = true;
        notifyAll();
    }

    /** Closes the gate and waits until no vCPU is inside. */
    synchronized void close() {
        open = false;
        boolean interrupted = false;
        while (inside > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // a stop must complete: finish waiting, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the gate is open, then enters. */
    synchronized void enter() throws InterruptedException {
        while (!open) {
            wait();
        }
        inside++;
    }

    synchronized void exit() {
        if (--inside == 0) {
            notifyAll();
        }
    }
}
