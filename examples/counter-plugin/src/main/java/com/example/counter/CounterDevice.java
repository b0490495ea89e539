package com.example.counter;

import io.ferry.machine.Device;
import io.ferry.machine.GuestRegion;
import io.ferry.machine.MemoryAccess;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device with one register, a counter its guest driver bumps, and a mailbox page in guest RAM
 * that the device mirrors the counter into when asked. The register lives outside guest RAM, so
 * it travels in the plugin's own section; the mailbox travels with RAM.
 */
public final class CounterDevice implements Device {
    public static final String ID = "counter0";

    private final AtomicLong counter = new AtomicLong();
    private final GuestRegion mailbox;

    CounterDevice(GuestRegion mailbox) {
        this.mailbox = mailbox;
    }

    @Override
    public String id() {
        return ID;
    }

    /** The guest driver's doorbell. */
    void bump() {
        counter.incrementAndGet();
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
