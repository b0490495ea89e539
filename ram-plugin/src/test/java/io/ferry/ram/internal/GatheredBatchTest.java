package io.ferry.ram.internal;

import static io.ferry.machine.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.RamSection;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * A RAM batch is written from guest memory itself only while the vCPUs are stopped, and then no
 * device write can change its pages between the frame's checksum and the socket's read; while
 * the machine runs it is a copy, which a write cannot change either.
 */
class GatheredBatchTest {
    private static final int PAGES = 64;
    private static final long BOUND_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private final GuestMemory source = GuestMemory.of(PAGES * (long) PAGE_SIZE);
    private final GuestMemory destination = GuestMemory.of(PAGES * (long) PAGE_SIZE);
    private final DirtyBitmap bitmap = source.newBitmap();
    private final RamLoader loader = new RamLoader(destination);
    private Thread device;
    private long checksumAtEmit;
    private long checksumAfterDeviceWrite;
    private boolean deviceDoneDuringEmit;
    private boolean fromGuestMemory; // the batch's data buffer is a view of guest RAM, not the staging buffer

    @Test
    void whileTheMachineIsStoppedADeviceWriteWaitsUntilTheBatchFromGuestMemoryIsWritten() throws Exception {
        Machine machine = Machine.create("source", source);
        machine.pause();
        migrate(machine);
        assertThat(fromGuestMemory).as("the batch is written from guest memory").isTrue();
        assertThat(deviceDoneDuringEmit)
                .as("the device write was held during the emit")
                .isFalse();
        assertThat(checksumAfterDeviceWrite).isEqualTo(checksumAtEmit);
    }

    @Test
    void whileTheMachineRunsTheBatchIsACopyAndADeviceWriteNeedNotWait() throws Exception {
        Machine machine = Machine.create("source", source);
        machine.start();
        migrate(machine);
        assertThat(fromGuestMemory).as("the batch is a copy").isFalse();
        assertThat(deviceDoneDuringEmit).as("the device write was not held").isTrue();
        assertThat(checksumAfterDeviceWrite).isEqualTo(checksumAtEmit);
        machine.pause();
    }

    /** Two passes, a device writing page 0 (dirty-logged) during the first batch; the destination ends equal. */
    private void migrate(Machine machine) throws Exception {
        MemoryFill.random(source, 9, 0);
        RamSender sender = new RamSender(source);
        sender.setup(context(machine));
        sender.sync(context(machine));
        sender.iterate(context(machine)); // the device writes during its first batch
        device.join(BOUND_MILLIS); // let in once the batch is written; dirty-logged before pass 2's sync
        assertThat(device.isAlive()).isFalse();
        sender.sync(context(machine));
        sender.iterate(context(machine));
        sender.complete(context(machine));
        sender.cleanup(context(machine));
        assertThat(destination.firstDifference(source)).isEmpty();
    }

    private StageContext context(Machine machine) {
        return TestStageContext.source(machine, bitmap, this::deliver, () -> 1, Compression.none, 0);
    }

    private void deliver(ByteBuffer[] parts, int offset, int length) {
        if (device == null && parts[offset].get(0) == RamSection.PAGES) {
            checksumAtEmit = checksum(parts, offset, length);
            fromGuestMemory = parts[offset + 1].capacity() == source.size(); // one segment: views span it all
            device = new Thread(() -> source.tracked().writeLong(0, 0x5EED), "device-dma");
            device.start();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
            while (device.getState() != Thread.State.WAITING && device.isAlive()) {
                assertThat(System.nanoTime())
                        .as("the device write ended or waits")
                        .isLessThan(deadline);
                Thread.onSpinWait();
            }
            deviceDoneDuringEmit = !device.isAlive();
            checksumAfterDeviceWrite = checksum(parts, offset, length);
        }
        loader.load(TestStageContext.destination(n -> {}), TestStageContext.chunk(parts, offset, length));
    }

    private static long checksum(ByteBuffer[] parts, int offset, int length) {
        CRC32C crc = new CRC32C();
        for (int i = offset; i < offset + length; i++) {
            crc.update(parts[i].duplicate());
        }
        return crc.getValue();
    }
}
