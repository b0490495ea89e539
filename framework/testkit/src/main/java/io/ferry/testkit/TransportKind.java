package io.ferry.testkit;

/** The transports the harness can migrate over. */
public enum TransportKind {
    /** Two in-process pipes. */
    MEMORY,
    /** A real TCP connection on 127.0.0.1, ephemeral port. */
    TCP,
    /** A snapshot file: the source saves it whole, then the destination restores it (no return path). */
    FILE
}
