package io.ferry.cli;

import io.ferry.machine.DirtyPattern;
import io.ferry.shell.MachineSpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The machine options of {@code ferry incoming} and {@code ferry migrate}: both sides must be given the same RAM and devices. */
final class MachineOptions {
    @Option(
            names = "--ram",
            defaultValue = "256M",
            converter = SizeConverter.class,
            description = "Guest RAM size, the same on both sides (default: ${DEFAULT-VALUE}).")
    long ram;

    @Option(
            names = "--devices",
            split = ",",
            defaultValue = DemoDefaults.DEVICES,
            description = "Devices, the same on both sides (default: ${DEFAULT-VALUE}; none: --devices=).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the source's RAM content and workload.")
    long seed;

    MachineSpec spec(long dirtyRate, String pattern) {
        return new MachineSpec(ram, devices, dirtyRate, DirtyPattern.parse(pattern), seed);
    }
}
