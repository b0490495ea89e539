package io.ferry.machine;

import org.osgi.annotation.versioning.ConsumerType;

/** Told of every run-state change of a machine, on the thread that made the change. */
@ConsumerType
@FunctionalInterface
public interface RunStateListener {
    void runStateChanged(Machine machine, RunState from, RunState to);
}
