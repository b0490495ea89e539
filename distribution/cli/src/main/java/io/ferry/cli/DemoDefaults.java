package io.ferry.cli;

/** Defaults of the demo that depend on which plugins ship in the distribution. */
final class DemoDefaults {
    /** Devices the demo attaches unless told otherwise. */
    static final String DEVICES = "its";

    private DemoDefaults() {}
}
