package io.ferry.pipeline;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The service a plugin provides: found through {@link java.util.ServiceLoader} in plain Java and
 * as a service in OSGi. For each migration, the engine asks every plugin to register its
 * handlers for that migration's machine, so handler state lives per migration.
 *
 * <p>Implementations need a public no-argument constructor (for ServiceLoader) and must be
 * thread-safe: migrations of several machines may register concurrently.
 */
@ConsumerType
public interface MigrationPlugin {
    /** Unique, stable name, shown in the shell and in errors (such as {@code "ram"}). */
    String name();

    /** Registers source-side handlers for a migration of {@code registrar.machine()}. */
    default void registerSource(Registrar registrar) {}

    /** Registers destination-side handlers for an incoming migration into {@code registrar.machine()}. */
    default void registerDestination(Registrar registrar) {}

    /** The device models this plugin offers, if any. */
    default java.util.List<DeviceModel> deviceModels() {
        return java.util.List.of();
    }
}
