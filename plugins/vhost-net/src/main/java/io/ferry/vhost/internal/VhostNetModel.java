package io.ferry.vhost.internal;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;

/** {@code --devices vhost-net}: the default receive queue in the middle of guest RAM. */
final class VhostNetModel implements DeviceModel {
    static final String NAME = "vhost-net";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Device attachToSource(Machine machine, long seed) {
        return VhostNetDevice.attachToSource(machine, VhostNetConfig.defaultFor(machine.memory()), seed);
    }

    @Override
    public Device attachToDestination(Machine machine) {
        return VhostNetDevice.attachToDestination(machine, VhostNetConfig.defaultFor(machine.memory()));
    }
}
