package io.ferry.machine;

/**
 * A log of guest pages written outside the vCPU path (a device backend's DMA), registered with a
 * migration through {@code Registrar.dirtyLog}: the engine enables it at SETUP, merges it into
 * the migration bitmap at every DIRTY_SYNC and once more right before RAM's final pass, checks
 * that it stays empty once RAM is sealed (failing the migration with its {@link #name()}
 * otherwise), and disables it at CLEANUP. QEMU's vhost log_sync, owned by the engine.
 *
 * <p>{@link DirtyLog} is one; a device with another kind of log implements this. Every method is
 * called by the migration thread; marks come concurrently from the device's own threads.
 */
public interface DirtyLogSource {
    /** The device or backend that writes, for messages: such as {@code "vhost-net0"}. */
    String name();

    /** Starts recording writes; writes made before are covered by RAM marking every page dirty at SETUP. */
    void enable();

    /** Stops recording and forgets what was recorded. */
    void disable();

    /**
     * Fetches and clears the recorded pages into {@code target}, the migration bitmap.
     *
     * @return how many pages became dirty in {@code target}
     */
    long drainInto(DirtyBitmap target);

    /** Pages recorded and not drained yet; a snapshot. */
    long peekCount();
}
