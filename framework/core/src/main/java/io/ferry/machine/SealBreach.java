package io.ferry.machine;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * The first write to guest RAM while it was {@linkplain GuestMemory#seal() sealed}: who wrote,
 * where, and on which thread (so the migration can tell a handler's own write from a backend's).
 *
 * @param writer the name the writing path was obtained with ({@link GuestMemory#untracked(String)}),
 *     or {@link GuestMemory#VCPU_WRITER} for the tracked path
 * @param address the first guest address of the write
 * @param thread the name of the thread that wrote
 * @param threadId the id of that thread
 */
public record SealBreach(String writer, long address, String thread, long threadId) {
    public SealBreach {
        checkNotNull(writer, "writer");
        checkNotNull(thread, "thread");
    }

    /** The guest page of {@link #address()}. */
    public long page() {
        return address >>> GuestMemory.PAGE_SHIFT;
    }

    @Override
    public String toString() {
        return String.format("%s wrote guest page %d (0x%x) on thread %s", writer, page(), address, thread);
    }
}
