package io.ferry.migration;

/** Where a migration is, as QEMU's {@code MigrationStatus}. */
public enum MigrationStatus {
    /** Created, not started. */
    NONE,
    /** Source: handlers pinned, connecting, SETUP running. Destination: waiting for or reading the manifest. */
    SETUP,
    /** Source: iterating while the machine runs. Destination: loading chunks. */
    ACTIVE,
    /** Source: machine stopped, COMPLETE running, waiting for the destination (QEMU's "device" phase). */
    DEVICE,
    /**
     * Destination: it acknowledged the stream, then lost the source before hearing COMMIT or an
     * abort; only the source's decision ends it: asked for by the destination itself on the source's
     * decision port (for at most {@code in-doubt-timeout}), or given with {@link Migration#resolve}.
     * Source: it committed, and the destination never confirmed it runs; only how the destination
     * ended ends it (its REPORT on the decision port, or {@link Migration#resolve}). On either side
     * the machine does not run meanwhile.
     */
    IN_DOUBT,
    /** Cancel requested; winding down. */
    CANCELLING,
    /** Done: the machine runs on the destination. */
    COMPLETED,
    /** Failed; the source machine runs as before. */
    FAILED,
    /** Cancelled; the source machine runs as before. */
    CANCELLED;

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
