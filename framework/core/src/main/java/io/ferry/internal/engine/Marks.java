package io.ferry.internal.engine;

/** Where the engine records a checkpoint of the switchover as it reaches it. */
interface Marks {
    Marks NONE = (name, bytes) -> {};

    /** Records {@code name} now; {@code bytes} is what a handler wrote, or 0. */
    void mark(String name, long bytes);

    default void mark(String name) {
        mark(name, 0);
    }
}
