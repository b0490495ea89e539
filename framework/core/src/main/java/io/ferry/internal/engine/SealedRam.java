package io.ferry.internal.engine;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.SealBreach;
import io.ferry.migration.LateDirtyException;
import io.ferry.pipeline.DirtyLogRegistration;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Outcome;
import java.util.List;
import java.util.Optional;

/**
 * The source's dirty-log sources and the seal on guest RAM: the registered logs are enabled
 * before SETUP, merged at every DIRTY_SYNC and right before RAM's final pass, and disabled at the
 * end; RAM is sealed from RAM's final pass until the migration ends, and {@link #check} fails the
 * migration naming whoever wrote: the handler that just ran, a device's untracked path, or a
 * device's log. Used by the migration thread only.
 */
final class SealedRam {
    private final GuestMemory memory;
    private final List<DirtyLogRegistration> logs;
    private final long migrationThread = Thread.currentThread().getId();

    /** Call on the migration thread. */
    SealedRam(GuestMemory memory, List<DirtyLogRegistration> logs) {
        this.memory = memory;
        this.logs = logs;
    }

    /** Before SETUP: the devices' logs record from now on. */
    void start() {
        logs.forEach(l -> l.log().enable());
    }

    /** At DIRTY_SYNC and right before RAM's final pass: merges every device log into the migration bitmap. */
    void sync(DirtyBitmap bitmap) {
        logs.forEach(l -> l.log().drainInto(bitmap));
    }

    /** Right before RAM's final pass: from now on any write to guest RAM fails the migration. */
    void seal() {
        memory.seal();
    }

    /** A switchover attempt stepped back: RAM is live again (its don't-care pages too); the logs keep recording. */
    void unseal() {
        memory.unseal();
        memory.clearDontCare();
    }

    boolean isSealed() {
        return memory.isSealed();
    }

    /**
     * While sealed: fails if anything wrote guest RAM. A write on the migration thread is the doing
     * of {@code justRan}, the handler that just returned (null if none).
     */
    void check(HandlerRegistration justRan) throws LateDirtyException {
        Optional<SealBreach> breach = memory.sealBreach();
        if (breach.isPresent()) {
            boolean ours = breach.get().threadId() == migrationThread && justRan != null;
            throw new LateDirtyException(breach.get(), ours ? justRan : null);
        }
        for (DirtyLogRegistration l : logs) {
            long pages = l.log().peekCount();
            if (pages > 0) {
                throw new LateDirtyException(l, pages);
            }
        }
    }

    /**
     * When the migration ends, whatever the outcome: unseals RAM and turns the devices' logs off.
     * Don't-care pages mean something only on a completed migration's source.
     */
    void end(Outcome outcome) {
        memory.unseal();
        if (!(outcome instanceof Outcome.Completed)) {
            memory.clearDontCare();
        }
        for (DirtyLogRegistration l : logs) {
            try {
                l.log().disable();
            } catch (Throwable e) { // one plugin's log must not leave the others on
                MigrationBase.LOG.log(
                        System.Logger.Level.ERROR, "plugin " + l.plugin() + " could not turn its dirty log off", e);
            }
        }
    }
}
