package io.ferry.htab.internal;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;

/** {@code --devices htab}: a 64 MiB table rewritten at the default rate. */
final class HtabModel implements DeviceModel {
    static final String NAME = "htab";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Device attachToSource(Machine machine, long seed) {
        return HtabDevice.attachToSource(machine, HtabConfig.defaults(), seed);
    }

    @Override
    public Device attachToDestination(Machine machine) {
        return HtabDevice.attachToDestination(machine, HtabConfig.defaults());
    }
}
