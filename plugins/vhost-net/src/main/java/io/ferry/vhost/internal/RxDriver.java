package io.ferry.vhost.internal;

import io.ferry.machine.GuestTask;
import io.ferry.machine.MemoryAccess;
import io.ferry.vhost.RxDriverStatus;
import io.ferry.vhost.RxRingLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The guest's receive driver, run as a {@link GuestTask} on a vCPU. Each step consumes what the
 * backend has put in the used ring, checks every packet (length, checksum, sequence number) and
 * posts its buffer again. All its progress lives in guest RAM (the driver state page), written
 * before the step returns, so a destination's driver continues exactly where the source's
 * stopped. Writes go through the tracked (vCPU) path.
 */
final class RxDriver implements GuestTask {
    static final int MAGIC = 0x58524e56; // "VNRX"
    static final int DESC_F_WRITE = 2;
    private static final int AT_MAGIC = 0;
    private static final int AT_FEATURES = 8;
    private static final int AT_NEXT_SEQ = 16;
    private static final int AT_RECEIVED = 24;
    private static final int AT_ERRORS = 32;
    private static final int AT_LAST_USED = 40;

    private final MemoryAccess ram;
    private final RxRingLayout layout;
    private final ByteBuffer packet;
    private final CRC32C crc = new CRC32C();

    RxDriver(MemoryAccess tracked, RxRingLayout layout) {
        this.ram = tracked;
        this.layout = layout;
        this.packet = ByteBuffer.allocate(layout.bufferSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The driver's probe: describe every buffer, post them all, start counting from packet 0. */
    void probe(long acceptedFeatures) {
        long state = layout.driverState();
        ram.zero(state, layout.size());
        for (int id = 0; id < layout.queueSize(); id++) {
            long d = layout.descriptor(id);
            ram.writeLong(d, layout.buffer(id));
            ram.writeInt(d + 8, layout.bufferSize());
            ram.writeInt(d + 12, DESC_F_WRITE);
            ram.writeInt(layout.availEntry(id), id);
        }
        ram.writeLong(state + AT_FEATURES, acceptedFeatures);
        VarHandle.releaseFence(); // descriptors and entries before the index that publishes them
        ram.writeInt(layout.availRing() + RxRingLayout.RING_IDX, layout.queueSize());
        ram.writeInt(state + AT_MAGIC, MAGIC);
    }

    /** What the driver state page says now. */
    static RxDriverStatus status(MemoryAccess ram, RxRingLayout layout) {
        long s = layout.driverState();
        return new RxDriverStatus(
                ram.readInt(s + AT_MAGIC) == MAGIC,
                ram.readLong(s + AT_NEXT_SEQ),
                ram.readLong(s + AT_RECEIVED),
                ram.readLong(s + AT_ERRORS),
                ram.readInt(s + AT_LAST_USED));
    }

    /** The features the driver accepted at probe time. */
    static long acceptedFeatures(MemoryAccess ram, RxRingLayout layout) {
        return ram.readLong(layout.driverState() + AT_FEATURES);
    }

    @Override
    public void step(long index) {
        long s = layout.driverState();
        if (ram.readInt(s + AT_MAGIC) != MAGIC) {
            return; // not set up: nothing to drive
        }
        int used = ram.readInt(layout.usedRing() + RxRingLayout.RING_IDX);
        VarHandle.acquireFence(); // entries and packets the backend wrote before the index
        int lastUsed = ram.readInt(s + AT_LAST_USED);
        int ready = used - lastUsed;
        if (ready == 0) {
            return;
        }
        long errors = ram.readLong(s + AT_ERRORS);
        if (Integer.compareUnsigned(ready, layout.queueSize()) > 0) {
            // The used index is further ahead than the queue holds: the ring in guest RAM is not what the device wrote.
            ram.writeLong(s + AT_ERRORS, errors + 1);
            return;
        }
        consume(s, lastUsed, used, errors);
    }

    private void consume(long s, int lastUsed, int used, long errors) {
        long next = ram.readLong(s + AT_NEXT_SEQ);
        long received = ram.readLong(s + AT_RECEIVED);
        int avail = ram.readInt(layout.availRing() + RxRingLayout.RING_IDX);
        for (int idx = lastUsed; idx != used; idx++) {
            int id = ram.readInt(layout.usedEntry(idx));
            int len = ram.readInt(layout.usedEntry(idx) + 4);
            if (id < 0 || id >= layout.queueSize()) {
                errors++; // not a descriptor of ours: nothing to post again
                continue;
            }
            long seq = intactSequence(id, len);
            if (seq == next) {
                next++;
                received++;
            } else {
                errors++; // broken, repeated or out of order
                next = Math.max(next, seq + 1);
            }
            ram.writeInt(layout.availEntry(avail++), id);
        }
        VarHandle.releaseFence(); // the entries before the index that publishes them
        ram.writeInt(layout.availRing() + RxRingLayout.RING_IDX, avail);
        ram.writeLong(s + AT_NEXT_SEQ, next);
        ram.writeLong(s + AT_RECEIVED, received);
        ram.writeLong(s + AT_ERRORS, errors);
        ram.writeInt(s + AT_LAST_USED, used);
    }

    /** The packet's sequence number if its length and checksum hold, else -1. */
    private long intactSequence(int id, int len) {
        if (len < PacketSource.HEADER || len > layout.bufferSize()) {
            return -1;
        }
        packet.clear().limit(len);
        ram.read(layout.buffer(id), packet);
        long seq = packet.getLong(0);
        int payload = packet.getInt(8);
        if (payload != len - PacketSource.HEADER
                || packet.getInt(12) != PacketSource.checksum(crc, seq, packet, PacketSource.HEADER, payload)) {
            return -1;
        }
        return seq;
    }
}
