package io.ferry.machine;

import java.util.ArrayList;
import java.util.List;

/** What a device was attached with (see {@link Machine#attachFrom}): its owner, its vCPUs, its regions. */
record DeviceBinding(DeviceOwner owner, List<String> vcpus, List<GuestRegion> regions) {
    DeviceBinding {
        vcpus = List.copyOf(vcpus);
        regions = List.copyOf(regions);
    }

    /** Collects what one attach call does, on the attaching thread. */
    static final class Recorder {
        final List<String> devices = new ArrayList<>();
        final List<String> vcpus = new ArrayList<>();
        final List<GuestRegion> regions = new ArrayList<>();

        DeviceBinding bind(DeviceOwner owner) {
            return new DeviceBinding(owner, vcpus, regions);
        }
    }
}
