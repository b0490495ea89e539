package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {

    @Test
    void blocksAreLaidOutBackToBack() {
        GuestMemory m = GuestMemory.builder()
                .block("low", 1 << 20)
                .block("high", 2 << 20)
                .build();
        assertThat(m.size()).isEqualTo(3 << 20);
        assertThat(m.block("high").orElseThrow().base()).isEqualTo(1 << 20);
        assertThat(m.block("high").orElseThrow().firstPage()).isEqualTo(256);
        assertThat(m.blockAt((1 << 20) - 1).name()).isEqualTo("low");
        assertThat(m.blockAt(1 << 20).name()).isEqualTo("high");
        assertThatThrownBy(() -> m.blockAt(3 << 20)).hasMessageContaining("outside guest RAM");
    }

    @Test
    void badLayoutsAreRefused() {
        assertThatThrownBy(() -> GuestMemory.of(4095)).hasMessageContaining("multiple of 4096");
        assertThatThrownBy(() -> GuestMemory.builder().block("a", 4096).block("a", 4096))
                .hasMessageContaining("duplicate block name 'a'");
        assertThatThrownBy(() -> GuestMemory.builder().build()).hasMessageContaining("at least one block");
    }

    @Test
    void trackedWritesMarkEveryTouchedPageOnlyWhileLogging() {
        GuestMemory m = GuestMemory.of(1 << 20);
        m.tracked().writeLong(0, 1);
        assertThat(m.dirtyLog().peekCount()).isZero();
        m.dirtyLog().enable();
        m.tracked().write(4096 - 2, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})); // straddles pages 0 and 1
        m.untracked().writeLong(10 * 4096, 5);
        DirtyBitmap b = m.newBitmap();
        assertThat(m.dirtyLog().drainInto(b)).isEqualTo(2);
        assertThat(b.get(0)).isTrue();
        assertThat(b.get(1)).isTrue();
        assertThat(b.get(10)).isFalse();
        assertThat(m.dirtyLog().peekCount()).isZero(); // drained
    }

    @Test
    void readsSeeWritesAcrossBlocks() {
        GuestMemory m = GuestMemory.builder().block("a", 8192).block("b", 8192).build();
        ByteBuffer data = ByteBuffer.allocate(6000);
        for (int i = 0; i < 6000; i++) {
            data.put((byte) i);
        }
        m.tracked().write(5000, data.flip()); // spans a -> b
        ByteBuffer back = ByteBuffer.allocate(6000);
        m.untracked().read(5000, back);
        assertThat(back.flip()).isEqualTo(data.flip());
        m.untracked().writeLong(8188, 0x1122334455667788L); // an 8-byte access across the block boundary
        assertThat(m.untracked().readLong(8188)).isEqualTo(0x1122334455667788L);
    }

    @Test
    void accessOutsideRamIsRefused() {
        GuestMemory m = GuestMemory.of(8192);
        assertThatThrownBy(() -> m.tracked().writeLong(8190, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside guest RAM");
        assertThatThrownBy(() -> m.untracked().read(-1, ByteBuffer.allocate(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blocksLargerThanTwoGibWork() {
        long size = (2L << 30) + (64L << 20); // 2 GiB + 64 MiB: two segments
        GuestMemory m = GuestMemory.of(size);
        long far = size - 4096;
        m.untracked().writeLong(far, 42);
        m.untracked().writeLong(GuestMemory.SEGMENT_SIZE - 4, 0x0102030405060708L); // across the segment boundary
        assertThat(m.untracked().readLong(far)).isEqualTo(42);
        assertThat(m.untracked().readLong(GuestMemory.SEGMENT_SIZE - 4)).isEqualTo(0x0102030405060708L);
        assertThat(m.firstNonZero(0, size)).isEqualTo(GuestMemory.SEGMENT_SIZE - 4);
        PageViews views = m.newPageViews(4);
        long lastPage = far >>> GuestMemory.PAGE_SHIFT;
        assertThat(views.isZero(lastPage)).isFalse();
        assertThat(views.view(lastPage, 1).getLong(views.view(lastPage, 1).position()))
                .isEqualTo(42);
        assertThat(views.contiguousPages((GuestMemory.SEGMENT_SIZE >>> 12) - 2, 10))
                .isEqualTo(2);
    }

    @Test
    void digestAndComparisonSeeOneByte() {
        GuestMemory a = GuestMemory.of(1 << 20);
        GuestMemory b = GuestMemory.of(1 << 20);
        MemoryFill.random(a, 3, 0.5);
        MemoryFill.random(b, 3, 0.5);
        assertThat(a.contentEquals(b)).isTrue();
        assertThat(a.digest()).isEqualTo(b.digest());
        b.untracked().writeInt(777_777, b.untracked().readInt(777_777) ^ 0x100);
        assertThat(a.firstDifference(b)).contains(777_777L + 1);
        assertThat(a.digest()).isNotEqualTo(b.digest());
    }

    @Test
    void pageViewsStayValidForCapacityViewsPerSegment() {
        GuestMemory m = GuestMemory.of(1 << 20);
        MemoryFill.random(m, 9, 0);
        PageViews views = m.newPageViews(2);
        ByteBuffer v0 = views.view(3, 2);
        long first = v0.getLong(v0.position());
        views.isZero(7); // a probe does not move handed-out views
        views.view(10, 1);
        assertThat(v0.position()).isEqualTo(3 * 4096);
        assertThat(v0.remaining()).isEqualTo(2 * 4096);
        assertThat(v0.getLong(v0.position())).isEqualTo(first);
    }
}
