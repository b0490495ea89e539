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
    /** The plugins now; migrations pin a snapshot of it when they start. */
    PluginRegistry plugins();

    /** Starts migrations with {@link #plugins()}. */
    Migrator migrator();
}
