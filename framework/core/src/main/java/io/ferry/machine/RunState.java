package io.ferry.machine;

/**
 * The run state of a {@link Machine}, named after QEMU's {@code RunState}.
 *
 * <p>Only {@link #RUNNING} lets vCPU workloads execute; every other state holds them at a
 * safepoint.
 */
public enum RunState {
    /** Created, never started. */
    PRELAUNCH,
    /** vCPUs execute. */
    RUNNING,
    /** Stopped by request; resumable. */
    PAUSED,
    /** Destination side: waiting for an incoming migration to fill it. */
    INMIGRATE,
    /** Source side: stopped for the final migration pass (the switchover). */
    FINISH_MIGRATE,
    /** Source side: migration completed; the machine now lives on the destination. */
    POSTMIGRATE,
    /** Shut down; terminal. */
    SHUTDOWN;

    /** Whether vCPUs execute in this state. */
    public boolean isRunning() {
        return this == RUNNING;
    }
}
