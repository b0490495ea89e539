package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.its.ItsLayout;
import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.pipeline.DeviceModel;

/**
 * The device model {@code "its"}: an {@link ItsDevice} with its guest driver on a vCPU named
 * {@link #DRIVER_VCPU}. It reserves the top {@link ItsLayout#REGION_SIZE} of guest RAM (see
 * {@link ItsLayout}).
 */
public final class ItsDeviceModel implements DeviceModel {
    public static final String NAME = "its";
    public static final String DRIVER_VCPU = "its-driver";
    /** Driver steps per second by default: about 1500 commands and 500 MSIs a second. */
    public static final long DEFAULT_RATE = 2_000;

    private final long stepsPerSecond;

    public ItsDeviceModel() {
        this(DEFAULT_RATE);
    }

    public ItsDeviceModel(long stepsPerSecond) {
        checkArgument(stepsPerSecond > 0, "driver rate must be > 0 steps/s but was %s", stepsPerSecond);
        this.stepsPerSecond = stepsPerSecond;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Boots an ITS in {@code machine} and starts its driver (see {@link ItsDriver#install}). */
    @Override
    public ItsDevice attachToSource(Machine machine, long seed) {
        reserveRegion(machine);
        ItsDriver driver = ItsDriver.install(machine, seed);
        machine.startVcpu(DRIVER_VCPU, stepsPerSecond, driver);
        return driver.device();
    }

    /**
     * Attaches an ITS out of reset and a driver vCPU that steps only once the machine runs, by
     * which time the migration has restored the ITS and the driver page.
     */
    @Override
    public Device attachToDestination(Machine machine) {
        checkArgument(
                machine.runState() == RunState.INMIGRATE,
                "machine %s is %s: a destination must be in INMIGRATE",
                machine.name(),
                machine.runState());
        ItsDevice device = new ItsDevice(machine.memory());
        ItsDriver driver = new ItsDriver(machine.memory(), device); // checks the RAM size before anything is attached
        reserveRegion(machine);
        machine.attach(device);
        machine.startVcpu(DRIVER_VCPU, stepsPerSecond, driver);
        return device;
    }

    /** Keeps other guest workloads (the demo's page dirtier) out of the ITS's queue and tables. */
    private static void reserveRegion(Machine machine) {
        io.ferry.its.ItsLayout layout = io.ferry.its.ItsLayout.of(machine.memory());
        machine.reserve(NAME, layout.base(), io.ferry.its.ItsLayout.REGION_SIZE);
    }
}
