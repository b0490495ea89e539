package io.ferry.its.internal;

import io.ferry.machine.MemoryAccess;
import java.util.Map;

/**
 * Writes a cache into its tables in guest RAM (the flush): the whole device and collection
 * tables and the whole ITT of every mapped device, so no stale entry survives from an earlier
 * flush. Each table is zeroed, then its valid entries are written.
 */
final class TableWriter {
    private TableWriter() {}

    static void flush(ItsCache cache, MemoryAccess out) {
        ItsBases bases = cache.bases();
        GuestRange dt = bases.deviceTableRange();
        out.zero(dt.address(), dt.bytes());
        for (Map.Entry<Integer, DeviceMapping> d : cache.devices().entrySet()) {
            long at = dt.address() + (long) d.getKey() * ItsLimits.DTE_BYTES;
            out.writeLong(at, TableFormat.dteWord0(d.getValue()));
            out.writeLong(at + Long.BYTES, d.getValue().itt());
            GuestRange itt = d.getValue().ittRange();
            out.zero(itt.address(), itt.bytes());
        }
        for (Map.Entry<Long, EventMapping> e : cache.events().entrySet()) {
            long itt = cache.devices().get(ItsCache.deviceOf(e.getKey())).itt();
            out.writeLong(
                    itt + (long) ItsCache.eventOf(e.getKey()) * ItsLimits.ITE_BYTES, TableFormat.ite(e.getValue()));
        }
        GuestRange ct = bases.collectionTableRange();
        out.zero(ct.address(), ct.bytes());
        for (Map.Entry<Integer, Integer> c : cache.collections().entrySet()) {
            out.writeLong(ct.address() + (long) c.getKey() * ItsLimits.CTE_BYTES, TableFormat.cte(c.getValue()));
        }
    }
}
