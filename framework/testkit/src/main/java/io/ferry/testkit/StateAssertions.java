package io.ferry.testkit;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import java.util.List;
import java.util.Optional;

/** Assertions over the migrated state of two machines; failures say exactly what differs. */
public final class StateAssertions {
    private StateAssertions() {}

    /** Fails unless {@code destination} has the same guest RAM, byte for byte, and the same device states as {@code source}. */
    public static void assertSameState(Machine source, Machine destination) {
        assertSameRam(source, destination);
        assertSameDevices(source, destination);
    }

    public static void assertSameRam(Machine source, Machine destination) {
        if (!source.memory().layoutEquals(destination.memory())) {
            throw new AssertionError("RAM layouts differ: " + source.memory() + " vs " + destination.memory());
        }
        Optional<Long> diff = source.memory().firstDifference(destination.memory());
        if (diff.isPresent()) {
            long address = diff.get();
            throw new AssertionError(String.format("guest RAM differs at 0x%x (page %d): source %s, destination %s",
                    address, address >>> 12, source.name(), destination.name()));
        }
    }

    public static void assertSameDevices(Machine source, Machine destination) {
        List<Device> ours = source.devices();
        List<Device> theirs = destination.devices();
        List<String> a = ours.stream().map(Device::id).toList();
        List<String> b = theirs.stream().map(Device::id).toList();
        if (!a.equals(b)) {
            throw new AssertionError("devices differ: source has " + a + ", destination has " + b);
        }
        for (int i = 0; i < ours.size(); i++) {
            String fa = ours.get(i).stateFingerprint();
            String fb = theirs.get(i).stateFingerprint();
            if (!fa.equals(fb)) {
                throw new AssertionError("device " + ours.get(i).id() + " state differs: source " + fa + ", destination " + fb);
            }
        }
    }
}
