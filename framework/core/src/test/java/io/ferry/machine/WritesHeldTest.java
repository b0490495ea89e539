package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class WritesHeldTest {
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final GuestMemory memory = GuestMemory.of(1 << 20);

    @Test
    void everyWritePathOfADeviceWaitsWhileWritesAreHeldAndLandsOnceTheyAreLetIn() throws Exception {
        List<Consumer<MemoryAccess>> writes = List.of(
                a -> a.writeLong(0, 0x1111),
                a -> a.writeInt(4096, 0x2222),
                a -> a.write(8192, ByteBuffer.wrap(new byte[] {0x33})),
                a -> a.zero(12288, 4096));
        memory.untracked().writeLong(12288, -1);
        for (Consumer<MemoryAccess> write : writes) {
            String before = memory.digest();
            Thread device = new Thread(() -> write.accept(memory.untracked("nic0")), "nic0-dma");
            WritesHeld held = memory.holdWrites();
            try {
                device.start();
                awaitState(device, Thread.State.WAITING);
                assertThat(device.isAlive()).as("the write waits while held").isTrue();
                assertThat(memory.digest()).as("nothing written while held").isEqualTo(before);
            } finally {
                held.close();
            }
            device.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
            assertThat(device.isAlive()).as("the write lands once let in").isFalse();
        }
        assertThat(memory.untracked().readLong(0)).isEqualTo(0x1111);
        assertThat(memory.untracked().readInt(4096)).isEqualTo(0x2222);
        assertThat(memory.untracked().readLong(8192) & 0xFF).isEqualTo(0x33);
        assertThat(memory.untracked().readLong(12288)).isZero();
    }

    @Test
    void aVcpusWriteIsNotHeldBecauseWritesAreOnlyHeldWhileTheVcpusAreStopped() throws Exception {
        Thread vcpu = new Vcpu.VcpuThread(() -> memory.tracked().writeLong(64, 7), "ferry-vcpu-test", memory);
        WritesHeld held = memory.holdWrites();
        try {
            vcpu.start();
            vcpu.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
            assertThat(vcpu.isAlive()).isFalse();
        } finally {
            held.close();
        }
        assertThat(memory.untracked().readLong(64)).isEqualTo(7);
    }

    /** Only this memory's machine's vCPUs are stopped while writes are held: another machine's vCPU waits. */
    @Test
    void aVcpuOfAnotherMachineIsHeldLikeAnyWriter() throws Exception {
        GuestMemory elsewhere = GuestMemory.of(1 << 20);
        Thread vcpu = new Vcpu.VcpuThread(() -> memory.tracked().writeLong(64, 9), "ferry-vcpu-other", elsewhere);
        WritesHeld held = memory.holdWrites();
        try {
            vcpu.start();
            awaitState(vcpu, Thread.State.WAITING);
            assertThat(memory.untracked().readLong(64))
                    .as("nothing landed while held")
                    .isZero();
        } finally {
            held.close();
        }
        vcpu.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
        assertThat(vcpu.isAlive()).isFalse();
        assertThat(memory.untracked().readLong(64)).isEqualTo(9);
    }

    @Test
    void closingTwiceLetsWritersInOnceAndTheHoldingThreadMayStillWrite() {
        WritesHeld held = memory.holdWrites();
        memory.untracked().writeLong(0, 5); // the holder's own write: no self-deadlock
        held.close();
        held.close();
        WritesHeld again = memory.holdWrites(); // the first hold is fully released
        again.close();
        memory.untracked().writeLong(8, 6);
        assertThat(memory.untracked().readLong(0)).isEqualTo(5);
        assertThat(memory.untracked().readLong(8)).isEqualTo(6);
    }

    private static void awaitState(Thread t, Thread.State state) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (t.getState() != state) {
            assertThat(System.nanoTime())
                    .as("%s reached %s in time", t.getName(), state)
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
