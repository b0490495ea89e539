package io.ferry.machine;

/**
 * A device model attached to a {@link Machine}. Its migratable state is moved by the handlers
 * its plugin registers; the device itself only has to describe that state.
 */
public interface Device {
    /** Stable id, unique within a machine, such as {@code "its0"}. */
    String id();

    /**
     * A digest of the device's migratable state: equal on source and destination after a
     * correct migration, different whenever the states differ.
     */
    String stateFingerprint();
}
