package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableMap;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryAccess;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * A GICv3-style Interrupt Translation Service. The guest programs a device table, a collection
 * table and a command queue in guest RAM, enables it, then posts 32-byte commands and advances
 * CWRITER; the ITS processes the queue up to CWRITER at once (synchronously, so the result is
 * deterministic), moving CREADR. Malformed or refused commands are counted and skipped.
 *
 * <p>As the in-kernel vITS, it keeps its mappings in a cache and writes them into the tables only
 * on {@link #flush}; {@link #restore} reads them back. Thread-safe: the guest driver's vCPU, the
 * migration thread and tests may call it concurrently.
 */
public final class ItsDevice implements Device {
    public static final String ID = "its0";
    private static final System.Logger LOG = System.getLogger(ItsDevice.class.getName());

    private final GuestMemory memory;
    private ItsRegisters registers = ItsRegisters.RESET;
    private ItsCache cache;

    /** A device out of reset: disabled, nothing programmed, nothing cached. */
    public ItsDevice(GuestMemory memory) {
        this.memory = checkNotNull(memory, "memory");
        this.cache = new ItsCache(ItsBases.NONE, memory.size());
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Programs the tables and queue (GITS_BASERn, GITS_CBASER); allowed only while disabled.
     * Resets CWRITER and CREADR, as a CBASER write does.
     *
     * @throws IllegalArgumentException if a base is misaligned, outside guest RAM or overlapping another
     */
    public synchronized void program(ItsBases bases) {
        checkState(!registers.enabled(), "the ITS bases can only be programmed while it is disabled");
        bases.check(memory.size());
        registers = new ItsRegisters(false, bases, 0, 0, registers.counters());
        cache = new ItsCache(bases, memory.size());
    }

    /** Sets GITS_CTLR.Enabled and processes commands already queued. */
    public synchronized void enable() {
        checkState(!registers.enabled(), "the ITS is already enabled");
        checkState(registers.bases().programmed(), "program the ITS tables and queue before enabling it");
        registers = registers.withEnabled(true);
        processQueue();
    }

    public synchronized boolean isEnabled() {
        return registers.enabled();
    }

    public synchronized ItsRegisters registers() {
        return registers;
    }

    /**
     * A GITS_CWRITER write: commands up to {@code offset} are processed before it returns.
     *
     * @throws IllegalArgumentException if {@code offset} is not a command slot of the queue (nothing changes)
     */
    public synchronized void writeCwriter(int offset) {
        checkState(registers.enabled(), "the ITS is disabled");
        registers = registers.withCwriter(offset);
        processQueue();
    }

    /** Where (DeviceID, EventID) goes, without raising anything. */
    public synchronized Translation translate(int deviceId, int eventId) {
        return registers.enabled()
                ? cache.translate(deviceId, eventId)
                : Translation.notMapped(Translation.Reason.ITS_DISABLED);
    }

    /** An MSI write to GITS_TRANSLATER: translates it and counts it as delivered or dropped. */
    public synchronized Translation signalMsi(int deviceId, int eventId) {
        Translation t = translate(deviceId, eventId);
        registers = registers.afterMsi(t instanceof Translation.Mapped);
        return t;
    }

    /** Every mapped (DeviceID, EventID), by DeviceID then EventID, with its translation now. */
    public synchronized Map<DeviceEvent, Translation> translations() {
        ImmutableMap.Builder<DeviceEvent, Translation> out = ImmutableMap.builder();
        for (long key : cache.events().keySet()) {
            int d = ItsCache.deviceOf(key);
            int e = ItsCache.eventOf(key);
            out.put(new DeviceEvent(d, e), cache.translate(d, e));
        }
        return out.build();
    }

    /** Writes the cache into the tables in guest RAM through {@code out}; a disabled ITS has nothing to write. */
    public synchronized void flush(MemoryAccess out) {
        if (registers.enabled()) {
            TableWriter.flush(cache, out);
        }
    }

    /**
     * Installs saved registers and, if they say enabled, a cache rebuilt from the tables they
     * locate in guest RAM. Everything is checked before anything is installed: on failure the
     * device is unchanged.
     *
     * @throws CorruptTableException naming the table entry or base that is wrong
     */
    public synchronized void restore(ItsRegisters saved) throws CorruptTableException {
        checkNotNull(saved, "saved");
        ItsCache restored = saved.enabled() ? TableReader.read(memory, saved.bases()) : emptyCache(saved.bases());
        registers = saved;
        cache = restored;
    }

    /** Covers the registers, counters and every mapping and translation. */
    @Override
    public synchronized String stateFingerprint() {
        Hasher h = Hashing.sha256().newHasher().putBytes(RegisterCodec.encode(registers));
        h.putInt(cache.devices().size())
                .putInt(cache.events().size())
                .putInt(cache.collections().size());
        cache.devices().forEach((id, d) -> h.putInt(id).putLong(d.itt()).putInt(d.eventBits()));
        cache.events().forEach((key, e) -> {
            Translation t = cache.translate(ItsCache.deviceOf(key), ItsCache.eventOf(key));
            h.putLong(key)
                    .putInt(e.intId())
                    .putInt(e.collection())
                    .putInt(t instanceof Translation.Mapped m ? m.vcpu() : -1);
        });
        cache.collections().forEach((icid, vcpu) -> h.putInt(icid).putInt(vcpu));
        ItsCounters c = registers.counters();
        return String.format(
                "%s[%s, cwriter=0x%x, creadr=0x%x, processed=%d, rejected=%d, msis=%d/%d, %d devices, "
                        + "%d events, %d collections, sha256=%s]",
                ID,
                registers.enabled() ? "enabled" : "disabled",
                registers.cwriter(),
                registers.creadr(),
                c.processed(),
                c.rejected(),
                c.msisDelivered(),
                c.msisDropped(),
                cache.devices().size(),
                cache.events().size(),
                cache.collections().size(),
                h.hash());
    }

    @Override
    public String toString() {
        return stateFingerprint();
    }

    private ItsCache emptyCache(ItsBases bases) throws CorruptTableException {
        try {
            bases.check(memory.size());
        } catch (IllegalArgumentException e) {
            throw new CorruptTableException(e.getMessage());
        }
        return new ItsCache(bases, memory.size());
    }

    private void processQueue() {
        while (registers.pending()) {
            registers = registers.afterCommand(execute(registers.bases().queue() + registers.creadr()));
        }
    }

    /** Runs the command at {@code address}; false if it was malformed or refused. */
    private boolean execute(long address) {
        MemoryAccess in = memory.untracked(); // a device reads guest RAM like DMA
        long[] dw = new long[4];
        for (int i = 0; i < dw.length; i++) {
            dw[i] = in.readLong(address + (long) i * Long.BYTES);
        }
        try {
            CommandCodec.decode(dw).applyTo(cache);
            return true;
        } catch (MalformedCommandException | InvalidMappingException e) {
            LOG.log(Level.DEBUG, () -> "ITS command at 0x" + Long.toHexString(address) + " refused: " + e.getMessage());
            return false;
        }
    }
}
