package io.ferry.pipeline;

/**
 * Named priorities for the well-known places in a stage. Higher runs first, as OSGi's
 * {@code service.ranking} and QEMU's {@code MigrationPriority}; equal priorities run in
 * handler-id order. Any {@code int} is a valid priority: these constants leave wide gaps so a
 * plugin can place itself between them ({@code BEFORE_RAM + 10}).
 */
public final class Priority {
    /**
     * Before RAM. On COMPLETE: before RAM's final pass, the place for a device that must flush
     * state into guest RAM once the vCPUs are stopped (a GICv3 ITS). On DIRTY_SYNC: before RAM
     * collects the bitmap, the place for a device's own dirty log (vhost).
     */
    public static final int BEFORE_RAM = 1000;

    /** RAM itself: RAM's setup, its iterative passes, its dirty sync and its final pass. */
    public static final int RAM = 0;

    /**
     * After RAM. On COMPLETE: after RAM's final pass, where guest RAM is sealed and a handler
     * that still writes it fails the migration. On LOAD_COMPLETE: once guest RAM is loaded.
     */
    public static final int AFTER_RAM = -1000;

    private Priority() {}

    /** A readable name for {@code priority}: a constant's name, or an offset from the nearest one. */
    public static String describe(int priority) {
        int[] values = {BEFORE_RAM, RAM, AFTER_RAM};
        String[] names = {"BEFORE_RAM", "RAM", "AFTER_RAM"};
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (Math.abs((long) priority - values[i]) < Math.abs((long) priority - values[best])) {
                best = i;
            }
        }
        long delta = (long) priority - values[best];
        return delta == 0 ? names[best] : names[best] + (delta > 0 ? "+" : "") + delta;
    }
}
