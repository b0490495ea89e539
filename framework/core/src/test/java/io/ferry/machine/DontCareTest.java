package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Discarded ("need not be sent") pages in the migration bitmap and don't-care pages in guest memory. */
class DontCareTest {

    @Test
    void discardDropsDirtyPagesAndRemembersThemUntilTheyAreDirtiedAgain() {
        DirtyBitmap b = new DirtyBitmap(256);
        b.set(10);
        b.set(11);
        assertThat(b.discard(10, 4)).isEqualTo(2); // 10 and 11 were dirty; 12 and 13 become don't-care too
        assertThat(b.count()).isZero();
        assertThat(b.discardedCount()).isEqualTo(4);
        assertThat(b.isDiscarded(12)).isTrue();
        b.set(12); // written again: sent again
        DirtyLog log = new DirtyLog("vcpu", 256);
        log.enable();
        log.mark(13);
        log.drainInto(b);
        assertThat(b.isDiscarded(12)).isFalse();
        assertThat(b.isDiscarded(13)).isFalse();
        assertThat(b.get(12)).isTrue();
        assertThat(b.get(13)).isTrue();
        assertThat(b.discardedCount()).isEqualTo(2);
        assertThat(b.nextDiscarded(0)).isEqualTo(10);
        assertThat(b.nextDiscarded(12)).isEqualTo(-1);
        DirtyBitmap pages = b.discardedPages();
        assertThat(pages.count()).isEqualTo(2);
        assertThat(pages.get(10) && pages.get(11)).isTrue();
        b.setAll();
        assertThat(b.discardedCount()).isZero();
    }

    @Test
    void dirtiedTotalCountsEveryCleanToDirtyChangeOnce() {
        DirtyBitmap b = new DirtyBitmap(128);
        b.setAll();
        assertThat(b.dirtiedTotal()).isEqualTo(128);
        b.clear(5);
        b.set(5);
        b.set(5);
        b.orWord(1, 0b11);
        assertThat(b.dirtiedTotal()).isEqualTo(129);
    }

    @Test
    void theDigestReadsDontCarePagesAsZeroUntilTheMachineRunsAgain() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            GuestMemory mem = m.memory();
            String zero = mem.digest();
            mem.untracked("test").writeLong(7 * 4096 + 16, 42);
            String written = mem.digest();
            assertThat(written).isNotEqualTo(zero);
            DirtyBitmap dontCare = mem.newBitmap();
            dontCare.set(7);
            mem.markDontCare(dontCare);
            assertThat(mem.isDontCare(7)).isTrue();
            assertThat(mem.dontCareCount()).isEqualTo(1);
            assertThat(mem.digest()).isEqualTo(zero);
            m.start();
            assertThat(mem.dontCareCount()).isZero();
            assertThat(mem.digest()).isEqualTo(written);
        }
    }

    @Test
    void firstDifferenceCanStartPastAnAddress() {
        GuestMemory a =
                GuestMemory.builder().block("a", 64 << 10).block("b", 64 << 10).build();
        GuestMemory b =
                GuestMemory.builder().block("a", 64 << 10).block("b", 64 << 10).build();
        a.untracked("t").writeLong(4096, 1);
        a.untracked("t").writeLong((64 << 10) + 8192, 1);
        assertThat(a.firstDifference(b)).contains(4096L);
        assertThat(a.firstDifference(b, 4097)).contains((64L << 10) + 8192);
        assertThat(a.firstDifference(b, (64L << 10) + 8193)).isEmpty();
    }
}
