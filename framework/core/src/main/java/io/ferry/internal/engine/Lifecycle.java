package io.ferry.internal.engine;

import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationStatus;

/**
 * One migration's lifecycle at one instant, immutable (as Guava's {@code StateSnapshot}): held in
 * one {@code AtomicReference} so status, cancel, abort and the point of no return change together.
 *
 * @param abortReason why the migration must stop (a peer's ERROR, a plugin leaving, a timeout), or null
 * @param pastPointOfNoReturn the source has committed, or the destination has acknowledged
 */
record Lifecycle(
        MigrationStatus status, boolean cancelRequested, MigrationException abortReason, boolean pastPointOfNoReturn) {
    static final Lifecycle INITIAL = new Lifecycle(MigrationStatus.NONE, false, null, false);

    boolean isAborted() {
        return cancelRequested || abortReason != null;
    }

    /** Whether a cancel may still take effect. */
    boolean cancellable() {
        return !pastPointOfNoReturn && !status.isTerminal() && !cancelRequested;
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
        return new Lifecycle(to, cancelRequested, abortReason, pastPointOfNoReturn);
    }

    Lifecycle cancelled() {
        return new Lifecycle(MigrationStatus.CANCELLING, true, abortReason, pastPointOfNoReturn);
    }

    Lifecycle aborted(MigrationException reason) {
        return new Lifecycle(status, cancelRequested, reason, pastPointOfNoReturn);
    }

    Lifecycle committed() {
        return new Lifecycle(status, cancelRequested, abortReason, true);
    }

    /** Back before the point of no return: the destination after the source voided the attempt it acknowledged. */
    Lifecycle reopened() {
        return new Lifecycle(status, cancelRequested, abortReason, false);
    }
}
