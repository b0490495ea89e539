package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.machine.DirtyLogSource;

/**
 * A dirty-log source a plugin registered with a migration ({@link Registrar#dirtyLog}): the
 * engine enables it, merges it at every DIRTY_SYNC and before RAM's final pass, and checks it
 * while RAM is sealed.
 *
 * @param plugin the registering plugin's name
 * @param log the source; its name is unique in the migration
 */
public record DirtyLogRegistration(String plugin, DirtyLogSource log) {
    public DirtyLogRegistration {
        checkNotNull(plugin, "plugin");
        checkNotNull(log, "log");
    }

    @Override
    public String toString() {
        return "dirty log " + log.name() + " (" + plugin + ")";
    }
}
