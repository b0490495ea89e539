package io.ferry.pipeline;

import io.ferry.machine.DirtyLogSource;
import io.ferry.machine.Machine;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Collects one plugin's registrations for one migration. Start each with {@link #on(Stage)}:
 *
 * <pre>{@code
 * registrar.on(Stage.COMPLETE).id("its.flush").priority(Priority.BEFORE_RAM).handler(ctx -> its.flush());
 * registrar.on(Stage.ITERATE).id("ram.iterate").priority(Priority.RAM).section(RAM)
 *          .pendingBytes(state::pendingBytes).handler(state::iterate);
 * }</pre>
 */
@ProviderType
public interface Registrar {
    /** The side being assembled; registering a stage of the other side is refused. */
    Side side();

    /** The machine being migrated (source) or loaded (destination). */
    Machine machine();

    /** Starts a registration on {@code stage}. */
    Registration on(Stage stage);

    /**
     * Source only: registers the dirty log of a device that writes guest RAM through the untracked
     * path. The engine enables it before SETUP, merges it into the migration bitmap at the start
     * of every DIRTY_SYNC and right before RAM's final pass, fails the migration naming it if it
     * records a write once RAM is sealed, and disables it when the migration ends. No handlers
     * are needed for any of that.
     *
     * @throws IllegalArgumentException on the destination
     * @throws DuplicateRegistrationException if a log of the same name is registered already
     */
    void dirtyLog(DirtyLogSource log);
}
