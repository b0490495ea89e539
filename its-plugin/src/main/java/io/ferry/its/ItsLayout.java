package io.ferry.its;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;

import io.ferry.machine.GuestMemory;

/**
 * The guest-RAM region the ITS device model reserves: the top {@link #REGION_SIZE} bytes of guest
 * RAM, laid out by its guest driver (offsets from {@link #base()}):
 *
 * <pre>
 * 0x00000  driver page      4 KiB  the guest driver's own progress (magic, seed, counters)
 * 0x01000  command queue   16 KiB  512 commands of 32 bytes, a ring
 * 0x05000  device table     1 KiB  64 entries of 16 bytes, indexed by DeviceID
 * 0x06000  collection table 128 B  16 entries of 8 bytes, indexed by ICID
 * 0x07000  ITT pool       128 KiB  one 2 KiB slot per DeviceID, 8-byte entries indexed by EventID
 * 0x27000  unused up to 1 MiB
 * </pre>
 *
 * The device model reserves it on the machine ({@code Machine.reserve}), so workloads built from
 * the machine leave it alone.
 */
public record ItsLayout(long base) {
    public static final long REGION_SIZE = 1 << 20;
    /** Smallest guest RAM the model accepts, so the region is at most a quarter of it. */
    public static final long MIN_RAM = 4 << 20;

    public static final long DRIVER_PAGE = 0x0_0000;
    public static final long QUEUE = 0x0_1000;
    public static final int QUEUE_BYTES = 16 << 10;
    public static final long DEVICE_TABLE = 0x0_5000;
    public static final int DEVICE_TABLE_ENTRIES = 64;
    public static final long COLLECTION_TABLE = 0x0_6000;
    public static final int COLLECTION_TABLE_ENTRIES = 16;
    public static final long ITT_POOL = 0x0_7000;
    public static final int ITT_SLOT = 2 << 10;

    public ItsLayout {
        checkArgument(
                base >= 0 && base % GuestMemory.PAGE_SIZE == 0,
                "ITS region base 0x%s is not page aligned",
                Long.toHexString(base));
    }

    /** The layout in the top {@link #REGION_SIZE} of {@code memory}. */
    public static ItsLayout of(GuestMemory memory) {
        checkArgument(
                memory.size() >= MIN_RAM,
                "the ITS model needs at least %s bytes of guest RAM, this machine has %s",
                MIN_RAM,
                memory.size());
        return new ItsLayout(memory.size() - REGION_SIZE);
    }

    public long driverPage() {
        return base + DRIVER_PAGE;
    }

    public long queue() {
        return base + QUEUE;
    }

    public long deviceTable() {
        return base + DEVICE_TABLE;
    }

    public long collectionTable() {
        return base + COLLECTION_TABLE;
    }

    /** The ITT slot the driver gives DeviceID {@code deviceId}. */
    public long itt(int deviceId) {
        checkElementIndex(deviceId, DEVICE_TABLE_ENTRIES, "deviceId");
        return base + ITT_POOL + (long) deviceId * ITT_SLOT;
    }
}
