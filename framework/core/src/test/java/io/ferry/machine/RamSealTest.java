package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
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
