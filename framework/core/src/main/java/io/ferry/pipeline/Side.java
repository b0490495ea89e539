package io.ferry.pipeline;

/** The end of a migration a stage runs on. */
public enum Side {
    SOURCE,
    DESTINATION
}
