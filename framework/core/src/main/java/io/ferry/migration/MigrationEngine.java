package io.ferry.migration;

import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine behind {@link Migrator}: implemented once, inside the framework, and found with
 * {@link java.util.ServiceLoader} in the framework's own class loader, so this API package does
 * not depend on the engine's. Use {@link Migrator}; this type is not for plugins.
 */
@ProviderType
public interface MigrationEngine {
    /** Opens the connection; called on the migration thread, so connecting is part of SETUP. */
    @FunctionalInterface
    interface ChannelOpener {
        MigrationChannel open() throws IOException;
    }

    /** Starts migrating {@code machine} through the channel {@code opener} opens; the claim is released at the end. */
    Migration source(
            MigrationClaim claim,
            Machine machine,
            PluginRegistry registry,
            MigrationParameters params,
            ChannelOpener opener,
            String target,
            MigrationListener... listeners);

    /** Starts waiting on {@code endpoint} for a stream to load into {@code machine}; the claim is released at the end. */
    Migration destination(
            MigrationClaim claim,
            Machine machine,
            PluginRegistry registry,
            MigrationParameters params,
            IncomingEndpoint endpoint,
            MigrationListener... listeners);

    /**
     * The {@link Migrator} is done: unregisters what was registered for its migrations (their
     * MXBeans), running ones' too, and registers nothing for migrations started after.
     */
    void close();
}
