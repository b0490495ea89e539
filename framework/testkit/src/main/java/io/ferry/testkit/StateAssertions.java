package io.ferry.testkit;

import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
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

    /**
     * Fails unless the two machines' guest RAM is equal byte for byte, except that a don't-care
     * page of the source (declared free and not written since, see
     * {@code StageContext.discardPages}) must be zero on the destination, whatever the source holds.
     */
    public static void assertSameRam(Machine source, Machine destination) {
        GuestMemory ours = source.memory();
        GuestMemory theirs = destination.memory();
        if (!ours.layoutEquals(theirs)) {
            throw new AssertionError("RAM layouts differ: " + ours + " vs " + theirs);
        }
        long from = 0;
        for (Optional<Long> diff = ours.firstDifference(theirs, from);
                diff.isPresent();
                diff = ours.firstDifference(theirs, from)) {
            long address = diff.get();
            long page = address >>> GuestMemory.PAGE_SHIFT;
            if (!ours.isDontCare(page)) {
                throw new AssertionError(String.format(
                        "guest RAM differs at 0x%x (page %d): source %s, destination %s",
                        address, page, source.name(), destination.name()));
            }
            from = (page + 1) << GuestMemory.PAGE_SHIFT;
        }
        for (long p = 0; p < ours.pages() && ours.dontCareCount() > 0; p++) {
            if (ours.isDontCare(p) && theirs.firstNonZero(p << GuestMemory.PAGE_SHIFT, GuestMemory.PAGE_SIZE) >= 0) {
                throw new AssertionError(String.format(
                        "don't-care page %d of %s is not zero on %s", p, source.name(), destination.name()));
            }
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
                throw new AssertionError(
                        "device " + ours.get(i).id() + " state differs: source " + fa + ", destination " + fb);
            }
        }
    }
}
