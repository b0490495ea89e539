package io.ferry.its.internal;

import io.ferry.its.ItsLayout;
import java.util.SplittableRandom;

/**
 * Which command the guest driver posts as its {@code n}-th: first a boot sequence that maps
 * {@link #DEVICES} devices and {@link #BOOT_COLLECTIONS} collections, then a deterministic mix
 * drawn from the step's random stream that maps, moves, discards and invalidates events,
 * retargets and unmaps collections, and now and then remaps or unmaps a device. Some commands are
 * refused (moving an unmapped event, say), as a real guest's occasionally are; they are counted.
 */
final class CommandScript {
    /** DeviceIDs the driver uses: [0, DEVICES). */
    static final int DEVICES = 16;
    /** EventID bits the driver gives every device. */
    static final int EVENT_BITS = 5;
    /** Collections mapped at boot; the driver uses ICIDs [0, COLLECTIONS). */
    static final int BOOT_COLLECTIONS = 8;

    static final int COLLECTIONS = 12;
    /** LPIs the driver hands out: [MIN_LPI, MIN_LPI + LPIS). */
    static final int LPIS = 4096;

    private CommandScript() {}

    static ItsCommand command(long n, SplittableRandom random, ItsLayout layout) {
        if (n < DEVICES) {
            return mapDevice((int) n, layout);
        }
        if (n < DEVICES + BOOT_COLLECTIONS) {
            int icid = (int) (n - DEVICES);
            return new ItsCommand.MapC(icid, icid % ItsLimits.TARGET_VCPUS, true);
        }
        return mix(random, layout);
    }

    private static ItsCommand mix(SplittableRandom random, ItsLayout layout) {
        int device = random.nextInt(DEVICES);
        int event = random.nextInt(1 << EVENT_BITS);
        int icid = random.nextInt(COLLECTIONS);
        int roll = random.nextInt(1000);
        if (roll < 450) {
            return new ItsCommand.MapTi(device, event, ItsLimits.MIN_LPI + random.nextInt(LPIS), icid);
        } else if (roll < 570) {
            return new ItsCommand.Movi(device, event, icid);
        } else if (roll < 650) {
            return new ItsCommand.Discard(device, event);
        } else if (roll < 750) {
            return new ItsCommand.Inv(device, event);
        } else if (roll < 850) {
            return new ItsCommand.Sync(random.nextInt(ItsLimits.TARGET_VCPUS));
        } else if (roll < 950) {
            return new ItsCommand.MapC(icid, random.nextInt(ItsLimits.TARGET_VCPUS), true);
        } else if (roll < 980) {
            return new ItsCommand.MapC(icid, 0, false);
        } else if (roll < 995) {
            return mapDevice(device, layout);
        }
        return ItsCommand.MapD.unmap(device);
    }

    private static ItsCommand mapDevice(int device, ItsLayout layout) {
        return new ItsCommand.MapD(device, EVENT_BITS, layout.itt(device), true);
    }
}
