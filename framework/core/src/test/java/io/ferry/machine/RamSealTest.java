package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RamSealTest {

    @Test
    void anUntrackedWriteWhileSealedIsRecordedUnderItsWritersNameAndStillHappens() throws Exception {
        GuestMemory m = GuestMemory.of(1 << 20);
        MemoryAccess dma = m.untracked("blk0");
        dma.writeLong(4096, 1); // not sealed: nothing recorded
        assertThat(m.sealBreach()).isEmpty();
        m.seal();
        Thread backend = new Thread(() -> dma.write(3 * 4096 + 8, ByteBuffer.wrap(new byte[] {7})), "blk0-worker");
        backend.start();
        backend.join();
        m.untracked("clock").writeLong(5 * 4096, 9); // a second writer: the first breach is kept
        SealBreach breach = m.sealBreach().orElseThrow();
        assertThat(breach.writer()).isEqualTo("blk0");
        assertThat(breach.page()).isEqualTo(3);
        assertThat(breach.thread()).isEqualTo("blk0-worker");
        assertThat(breach.toString()).contains("blk0", "page 3", "blk0-worker");
        assertThat(m.untracked().readLong(3 * 4096 + 8) & 0xFF).isEqualTo(7); // the write happened
    }

    @Test
    void everyWritePathIsWatchedWhileSealed() {
        GuestMemory m = GuestMemory.of(1 << 20);
        m.seal();
        m.tracked().writeInt(8, 1);
        assertThat(m.sealBreach().orElseThrow().writer()).isEqualTo(GuestMemory.VCPU_WRITER);
        m.seal(); // a new seal starts clean
        assertThat(m.sealBreach()).isEmpty();
        m.untracked().zero(0, 4096);
        assertThat(m.sealBreach().orElseThrow().writer()).isEqualTo(GuestMemory.UNNAMED_WRITER);
        m.unseal();
        assertThat(m.isSealed()).isFalse();
        assertThat(m.sealBreach()).isEmpty();
    }

    /**
     * While writes are held, a write whose data is in RAM has broken the seal: the check before
     * COMMIT must not miss a device's write that landed. A writer left the gate before it recorded
     * the breach (and its marks), so a hold could come in between.
     */
    @Test
    void underAHoldEveryWriteWhoseDataLandedHasBrokenTheSeal() throws Exception {
        GuestMemory m = GuestMemory.of(1 << 20);
        MemoryAccess dma = m.untracked("blk0");
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(
                () -> {
                    for (long i = 1; !stop.get(); i++) {
                        dma.writeLong(4096, i);
                    }
                },
                "blk0-worker");
        writer.start();
        long rounds = 0;
        long slipped = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            while (System.nanoTime() < deadline) {
                long before;
                try (WritesHeld held = m.holdWrites()) {
                    m.seal();
                    before = m.untracked().readLong(4096);
                }
                Thread.onSpinWait();
                Optional<SealBreach> breach;
                long after;
                try (WritesHeld held = m.holdWrites()) {
                    breach = m.sealBreach();
                    after = m.untracked().readLong(4096);
                }
                if (after != before && breach.isEmpty()) {
                    slipped++;
                }
                m.unseal();
                rounds++;
            }
        } finally {
            stop.set(true);
            writer.join(10_000);
        }
        assertThat(rounds).isGreaterThan(1000);
        assertThat(slipped)
                .as("rounds where a write landed under the seal unrecorded, of %s", rounds)
                .isZero();
    }

    @Test
    void readsDoNotBreakTheSeal() {
        GuestMemory m = GuestMemory.of(1 << 20);
        m.seal();
        m.untracked("blk0").readLong(0);
        m.untracked("blk0").read(0, ByteBuffer.allocate(64));
        assertThat(m.sealBreach()).isEmpty();
    }

    @Test
    void anUntrackedWriterMustBeNamed() {
        GuestMemory m = GuestMemory.of(1 << 20);
        assertThatThrownBy(() -> m.untracked(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name");
        assertThat(m.untracked("vhost-net0").writer()).isEqualTo("vhost-net0");
        assertThat(m.untracked("vhost-net0").isTracked()).isFalse();
    }
}
