package io.ferry.machine;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One sealing of guest RAM: keeps the first write made while it is in force. Writers see it
 * through one volatile read in {@link MemoryAccess}; only a write that finds it pays more.
 */
final class RamSeal {
    private final AtomicReference<SealBreach> first = new AtomicReference<>();

    void record(String writer, long address) {
        if (first.get() == null) {
            Thread t = Thread.currentThread();
            first.compareAndSet(null, new SealBreach(writer, address, t.getName(), t.getId()));
        }
    }

    Optional<SealBreach> breach() {
        return Optional.ofNullable(first.get());
    }
}
