package io.ferry.its.internal;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryAccess;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the tables a flush left in guest RAM into a new cache (the restore). Every entry goes
 * through the same checks as the command that would have made it, so a table pointing outside
 * RAM or holding a corrupt entry is refused, naming the entry, and no partial cache escapes.
 */
final class TableReader {
    private final MemoryAccess in;
    private final ItsBases bases;
    private final ItsCache cache;

    private TableReader(GuestMemory memory, ItsBases bases) {
        this.in = memory.untracked();
        this.bases = bases;
        this.cache = new ItsCache(bases, memory.size());
    }

    /**
     * A cache rebuilt from the tables {@code bases} locates in {@code memory}.
     *
     * @throws CorruptTableException naming the table, the entry and what is wrong with it
     */
    static ItsCache read(GuestMemory memory, ItsBases bases) throws CorruptTableException {
        try {
            bases.check(memory.size());
        } catch (IllegalArgumentException e) {
            throw new CorruptTableException(e.getMessage());
        }
        TableReader r = new TableReader(memory, bases);
        r.readCollections();
        r.readDevices();
        for (Map.Entry<Integer, DeviceMapping> d : r.cache.devices().entrySet()) {
            r.readItt(d.getKey(), d.getValue());
        }
        return r.cache;
    }

    private void readCollections() throws CorruptTableException {
        for (int icid = 0; icid < bases.collections(); icid++) {
            long at = bases.collectionTable() + (long) icid * ItsLimits.CTE_BYTES;
            String where = "collection table entry " + icid + " at 0x" + Long.toHexString(at);
            try {
                OptionalInt vcpu = TableFormat.readCte(in.readLong(at));
                if (vcpu.isPresent()) {
                    cache.mapCollection(icid, vcpu.getAsInt());
                }
            } catch (CorruptTableException | InvalidMappingException e) {
                throw corrupt(where, e);
            }
        }
    }

    private void readDevices() throws CorruptTableException {
        for (int id = 0; id < bases.devices(); id++) {
            long at = bases.deviceTable() + (long) id * ItsLimits.DTE_BYTES;
            String where = "device table entry " + id + " at 0x" + Long.toHexString(at);
            try {
                Optional<DeviceMapping> m = TableFormat.readDte(in.readLong(at), in.readLong(at + Long.BYTES));
                if (m.isPresent()) {
                    cache.mapDevice(id, m.get());
                }
            } catch (CorruptTableException | InvalidMappingException e) {
                throw corrupt(where, e);
            }
        }
    }

    private void readItt(int deviceId, DeviceMapping device) throws CorruptTableException {
        for (int event = 0; event < device.events(); event++) {
            long at = device.itt() + (long) event * ItsLimits.ITE_BYTES;
            String where = "ITT entry " + event + " of device " + deviceId + " at 0x" + Long.toHexString(at);
            try {
                Optional<EventMapping> e = TableFormat.readIte(in.readLong(at));
                if (e.isPresent()) {
                    cache.mapEvent(deviceId, event, e.get());
                }
            } catch (CorruptTableException | InvalidMappingException e) {
                throw corrupt(where, e);
            }
        }
    }

    private static CorruptTableException corrupt(String where, Exception e) {
        return new CorruptTableException(where + ": " + e.getMessage());
    }
}
