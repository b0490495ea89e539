package io.ferry.pipeline;

import io.ferry.machine.Device;
import io.ferry.machine.DeviceOwner;
import io.ferry.machine.Machine;

/** A plugin's device model whose devices are bound to that plugin when attached. */
record BoundDeviceModel(DeviceOwner owner, DeviceModel model) implements DeviceModel {
    @Override
    public String name() {
        return model.name();
    }

    @Override
    public Device attachToSource(Machine machine, long seed) {
        return machine.attachFrom(owner, m -> model.attachToSource(m, seed));
    }

    @Override
    public Device attachToDestination(Machine machine) {
        return machine.attachFrom(owner, model::attachToDestination);
    }
}
