package io.ferry.migration;

import io.ferry.pipeline.PluginRegistry;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Ferry inside OSGi: the registry of the plugin services present now (kept current as plugin
 * bundles come and go) and a {@link Migrator} over it. Registered by the framework bundle; the
 * shell and embedding bundles use it.
 */
@ProviderType
public interface MigrationService {
    /**
     * The plugins now, live; migrations pin a snapshot of it when they start. Read-only ({@link
     * PluginRegistry#unmodifiableView()}: adding or removing through it throws {@link
     * UnsupportedOperationException}): plugins come and go as OSGi services, and a change made here
     * would go behind the framework's back (a plugin removed while its service stays registered).
     * A live view rather than an immutable snapshot, so that a caller holding it, and the
     * {@link #migrator()}, see plugins arrive and leave and hear the departures; {@link
     * PluginRegistry#snapshot()} gives the immutable list of one moment.
     */
    PluginRegistry plugins();

    /** Starts migrations with {@link #plugins()}; its {@link Migrator#registry()} is that same read-only view. */
    Migrator migrator();
}
