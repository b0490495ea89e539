package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PageViewsTest {
    private final GuestMemory memory = GuestMemory.of(1 << 20);

    @AfterEach
    void free() {
        memory.release(); // now, not at some later collection that could disturb another test's figures
    }

    @Test
    void aViewCoversTheRequestedPagesAndReadsWhatTheGuestWrote() {
        memory.untracked().writeLong(3L * GuestMemory.PAGE_SIZE, 0x0102030405060708L);
        ByteBuffer v = memory.newPageViews(2).view(3, 2);
        assertThat(v.remaining()).isEqualTo(2 * GuestMemory.PAGE_SIZE);
        assertThat(v.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(v.getLong(v.position())).isEqualTo(0x0102030405060708L);
    }

    @Test
    void aViewIsReadOnlySoNoWriteCanBypassTheWriteGate() {
        ByteBuffer v = memory.newPageViews(2).view(0, 1);
        assertThat(v.isReadOnly()).isTrue();
        assertThatThrownBy(() -> v.putLong(v.position(), 1)).isInstanceOf(ReadOnlyBufferException.class);
        assertThat(memory.untracked().readLong(0)).isZero();
    }

    @Test
    void isZeroTellsAZeroPageFromAWrittenOne() {
        PageViews views = memory.newPageViews(1);
        memory.untracked().writeInt(5L * GuestMemory.PAGE_SIZE + 100, 1);
        assertThat(views.isZero(4)).isTrue();
        assertThat(views.isZero(5)).isFalse();
        assertThat(views.isZero(4, 2)).isFalse();
        assertThat(views.isZero(3, 2)).isTrue();
        assertThat(views.isZero(6, 10)).isTrue();
    }
}
