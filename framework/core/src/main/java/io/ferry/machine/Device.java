package io.ferry.machine;

import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device model attached to a {@link Machine}. Its migratable state is moved by the handlers
 * its plugin registers; the device itself only has to describe that state.
 */
@ConsumerType
public interface Device {
    /** Stable id, unique within a machine, such as {@code "its0"}. */
    String id();

    /**
     * A digest of the device's migratable state: equal on source and destination after a
     * correct migration, different whenever the states differ.
     */
    String stateFingerprint();

    /**
     * The plugin whose handlers migrate this device. While it is not registered, every migration
     * of the machine fails naming it, rather than completing without the device's state. A device
     * attached through {@link io.ferry.pipeline.PluginRegistry#deviceModel} is bound to its plugin
     * by the machine even if it does not say; empty (the default) means only that binding counts.
     *
     */
    default Optional<String> plugin() {
        return Optional.empty();
    }

    /**
     * Called by {@link Machine#detach} once the device's vCPUs have stopped: stop what else drives
     * the device (backend threads) and let go of its resources. Runs on the detaching thread; must
     * not throw. The default does nothing.
     */
    default void detached() {}
}
