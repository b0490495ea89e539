package io.ferry.machine;

/** Told of every run-state change of a machine, on the thread that made the change. */
@FunctionalInterface
public interface RunStateListener {
    void runStateChanged(Machine machine, RunState from, RunState to);
}
