package com.example.counter;

import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.GuestRegion;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;

/**
 * The device model {@code "counter"}: a {@link CounterDevice} whose mailbox and status pages are
 * the two pages in the middle of guest RAM, and on the source a vCPU that rings its doorbell.
 */
final class CounterModel implements DeviceModel {
    static final String NAME = "counter";
    static final String DRIVER_VCPU = "counter-driver";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Device attachToSource(Machine machine, long seed) {
        CounterDevice device = attach(machine);
        machine.startVcpu(DRIVER_VCPU, 1_000, step -> device.bump());
        return device;
    }

    @Override
    public Device attachToDestination(Machine machine) {
        return attach(machine);
    }

    private static CounterDevice attach(Machine machine) {
        long middle = (machine.memory().size() / 2) & -GuestMemory.PAGE_SIZE;
        GuestRegion pages = machine.reserve(NAME, middle, 2 * GuestMemory.PAGE_SIZE);
        CounterDevice device = new CounterDevice(machine.memory(), pages);
        machine.attach(device);
        return device;
    }
}
