package com.example.counter;

import io.ferry.machine.Device;
import io.ferry.machine.DirtyLog;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.GuestRegion;
import io.ferry.machine.MemoryAccess;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device with one register, a counter its guest driver bumps, and two pages in guest RAM: a
 * mailbox the device mirrors the counter into when asked (through the tracked path, as the vCPUs
 * write), and a status page the device itself writes on every bump by DMA, through the untracked
 * path, recording the page in its own {@link DirtyLog}. The register lives outside guest RAM, so
 * it travels in the plugin's own section; both pages travel with RAM, the status page only
 * because its log is registered with the migration ({@code Registrar.dirtyLog}).
 *
 * <p>The DMA write happens as the device takes the doorbell, on the ringing vCPU's thread, so it
 * stops when the vCPUs stop; a device with a backend thread of its own must stop it before RAM's
 * final pass (see vhost-net in Ferry's repository).
 */
public final class CounterDevice implements Device {
    public static final String ID = "counter0";

    private final AtomicLong counter = new AtomicLong();
    private final GuestRegion mailbox;
    private final long status;
    private final MemoryAccess dma;
    private final DirtyLog dmaLog;

    /** {@code pages}: two guest pages, the mailbox then the status page. */
    CounterDevice(GuestMemory memory, GuestRegion pages) {
        this.mailbox = pages;
        this.status = pages.base() + GuestMemory.PAGE_SIZE;
        this.dma = memory.untracked(ID); // names this device if it writes while RAM is sealed
        this.dmaLog = new DirtyLog(ID, memory.pages());
    }

    @Override
    public String id() {
        return ID;
    }

    /** The guest driver's doorbell: the device counts, then stamps the count into its status page by DMA. */
    void bump() {
        long value = counter.incrementAndGet();
        dma.writeLong(status, value);
        dmaLog.mark(
                status >>> GuestMemory.PAGE_SHIFT); // after the write, so a drain that clears the mark finds the data
    }

    /** The log of the pages this device writes by DMA, for {@code Registrar.dirtyLog}. */
    DirtyLog dmaLog() {
        return dmaLog;
    }

    /** What the device last wrote into its status page. */
    long status(MemoryAccess ram) {
        return ram.readLong(status);
    }

    long value() {
        return counter.get();
    }

    void load(long value) {
        counter.set(value);
    }

    /** Writes the counter into the mailbox through {@code ram} (the tracked path: RAM sends it). */
    void flush(MemoryAccess ram) {
        ram.writeLong(mailbox.base(), counter.get());
    }

    long mailbox(MemoryAccess ram) {
        return ram.readLong(mailbox.base());
    }

    @Override
    public String stateFingerprint() {
        return "counter=" + counter.get();
    }
}
