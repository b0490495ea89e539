package io.ferry.pipeline;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device a plugin can put into a machine, by name ({@code ferry demo --devices its}). The same
 * model builds the source's working device and the destination's empty one that the migration
 * fills.
 */
@ConsumerType
public interface DeviceModel {
    /** The name users pick it by, such as {@code "its"}. */
    String name();

    /**
     * Attaches a device to a source machine and starts what drives it while the machine runs
     * (its guest driver on a vCPU, its backend), seeded for reproducibility.
     */
    Device attachToSource(Machine machine, long seed);

    /**
     * Attaches an empty device to a destination machine (in INMIGRATE), ready to be loaded, with
     * its guest driver ready to continue once the machine runs.
     */
    Device attachToDestination(Machine machine);
}
