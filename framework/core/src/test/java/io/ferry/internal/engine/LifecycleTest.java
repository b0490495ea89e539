package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationStatus;
import org.junit.jupiter.api.Test;

/** The lifecycle's rules on their own: what may follow what. */
class LifecycleTest {
    private static final MigrationException WHY = new MigrationException("why");

    @Test
    void aCancelTakesEffectUntilThePointOfNoReturnOrTheEnd() {
        Lifecycle active = Lifecycle.INITIAL.withStatus(MigrationStatus.ACTIVE);
        assertThat(active.cancellable()).isTrue();
        assertThat(active.cancelled().status()).isEqualTo(MigrationStatus.CANCELLING);
        assertThat(active.cancelled().cancellable()).as("once").isFalse();
        assertThat(active.committed().cancellable()).isFalse();
        assertThat(active.withStatus(MigrationStatus.COMPLETED).cancellable()).isFalse();
        assertThat(active.aborted(WHY).cancellable())
                .as("a cancel may follow an abort")
                .isTrue();
    }

    @Test
    void anAbortTakesEffectOnceAndNeverAfterACancelOrThePointOfNoReturn() {
        Lifecycle active = Lifecycle.INITIAL.withStatus(MigrationStatus.ACTIVE);
        assertThat(active.abortable()).isTrue();
        assertThat(active.aborted(WHY).abortable()).isFalse();
        assertThat(active.aborted(WHY).isAborted()).isTrue();
        assertThat(active.cancelled().abortable()).isFalse();
        assertThat(active.committed().abortable()).isFalse();
        assertThat(active.committed().reopened().abortable())
                .as("a void attempt reopens it")
                .isTrue();
    }

    @Test
    void onceCancellingOnlyTheEndMayFollowAndNothingFollowsTheEnd() {
        Lifecycle cancelling =
                Lifecycle.INITIAL.withStatus(MigrationStatus.ACTIVE).cancelled();
        assertThat(cancelling.canMoveTo(MigrationStatus.DEVICE)).isFalse();
        assertThat(cancelling.canMoveTo(MigrationStatus.CANCELLED)).isTrue();
        Lifecycle failed = cancelling.withStatus(MigrationStatus.FAILED);
        assertThat(failed.canMoveTo(MigrationStatus.COMPLETED)).isFalse();
        assertThat(Lifecycle.INITIAL.canMoveTo(MigrationStatus.NONE))
                .as("no move to the same status")
                .isFalse();
        assertThat(Lifecycle.INITIAL.withStatus(MigrationStatus.DEVICE).canMoveTo(MigrationStatus.ACTIVE))
                .as("a step-back returns to ACTIVE")
                .isTrue();
    }
}
