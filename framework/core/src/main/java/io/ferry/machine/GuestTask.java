package io.ferry.machine;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One step of guest activity (a vCPU writing a page, a guest driver posting a command), run by a
 * {@link Vcpu} only while its machine runs. A step should be short: a machine stop waits for the
 * steps of one batch to finish.
 */
@ConsumerType
@FunctionalInterface
public interface GuestTask {
    /**
     * Performs step number {@code index} (counting from 0). An exception stops this vCPU and is
     * kept as its {@link Vcpu#failure()}.
     */
    void step(long index) throws Exception;
}
