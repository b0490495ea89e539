package io.ferry.internal.engine;

import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationStatus;

/**
 * One migration's lifecycle at one instant, immutable (as Guava's {@code StateSnapshot}): held in
 * one {@code AtomicReference} so status, cancel, abort and the point of no return change together.
 *
 * @param abortReason why the migration must stop (a peer's ERROR, a plugin leaving, a timeout), or null
 * @param pastPointOfNoReturn the source has committed, or the destination has acknowledged
 * @param ending the migration thread has its outcome (it failed on its own) and is cleaning up: a
 *     cancel no longer changes it
 * @param deferredAbort the first abort refused past the point of no return, or null: it takes
 *     effect if that point is undone ({@link #reopened()})
 */
record Lifecycle(
        MigrationStatus status,
        boolean cancelRequested,
        MigrationException abortReason,
        boolean pastPointOfNoReturn,
        boolean ending,
        MigrationException deferredAbort) {
    static final Lifecycle INITIAL = new Lifecycle(MigrationStatus.NONE, false, null, false, false, null);

    boolean isAborted() {
        return cancelRequested || abortReason != null;
    }

    /** Whether a cancel may still take effect. */
    boolean cancellable() {
        return !pastPointOfNoReturn && !ending && !status.isTerminal() && !cancelRequested;
    }

    /** Whether an abort may still take effect. */
    boolean abortable() {
        return !pastPointOfNoReturn && !status.isTerminal() && !isAborted();
    }

    /** Whether the status may move to {@code to}: never back from terminal, and once cancelling only to the end. */
    boolean canMoveTo(MigrationStatus to) {
        return status != to && !status.isTerminal() && (status != MigrationStatus.CANCELLING || to.isTerminal());
    }

    Lifecycle withStatus(MigrationStatus to) {
        return new Lifecycle(to, cancelRequested, abortReason, pastPointOfNoReturn, ending, deferredAbort);
    }

    Lifecycle cancelled() {
        return new Lifecycle(MigrationStatus.CANCELLING, true, abortReason, pastPointOfNoReturn, ending, deferredAbort);
    }

    Lifecycle aborted(MigrationException reason) {
        return new Lifecycle(status, cancelRequested, reason, pastPointOfNoReturn, ending, deferredAbort);
    }

    Lifecycle committed() {
        return new Lifecycle(status, cancelRequested, abortReason, true, ending, deferredAbort);
    }

    Lifecycle ended() {
        return new Lifecycle(status, cancelRequested, abortReason, pastPointOfNoReturn, true, deferredAbort);
    }

    Lifecycle deferring(MigrationException reason) {
        return new Lifecycle(
                status,
                cancelRequested,
                abortReason,
                pastPointOfNoReturn,
                ending,
                deferredAbort == null ? reason : deferredAbort);
    }

    /**
     * Back before the point of no return: the destination after the source voided the attempt it
     * acknowledged. An abort deferred meanwhile takes effect.
     */
    Lifecycle reopened() {
        return new Lifecycle(
                status, cancelRequested, abortReason == null ? deferredAbort : abortReason, false, ending, null);
    }
}
