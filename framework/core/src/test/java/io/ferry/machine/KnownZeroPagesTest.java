package io.ferry.machine;

import static io.ferry.machine.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class KnownZeroPagesTest {
    private static final int PAGES = 200; // more than three bitmap words, not a multiple of 64

    @Test
    void freshMemoryIsKnownZeroEverywhere() {
        GuestMemory m = GuestMemory.of(PAGES * (long) PAGE_SIZE);
        assertThat(m.knownZero().count()).isEqualTo(PAGES);
        assertThat(m.knownZero().isKnownZero(0, PAGES)).isTrue();
        assertThat(m.knownZero().nextMaybeNonZero(0, PAGES)).isEqualTo(-1);
    }

    @Test
    void aWriteMarksItsPagesAndAWholePageZeroFillClearsThem() {
        GuestMemory m = GuestMemory.of(PAGES * (long) PAGE_SIZE);
        m.untracked().writeLong(70L * PAGE_SIZE + 8, 1); // page 70
        m.untracked().write(129L * PAGE_SIZE - 2, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})); // pages 128 and 129
        assertThat(m.knownZero().nextMaybeNonZero(0, PAGES)).isEqualTo(70);
        assertThat(m.knownZero().nextMaybeNonZero(71, PAGES)).isEqualTo(128);
        assertThat(m.knownZero().nextMaybeNonZero(71, 128)).isEqualTo(-1);
        assertThat(m.knownZero().count()).isEqualTo(PAGES - 3);

        m.untracked().zero(128L * PAGE_SIZE + 1, PAGE_SIZE * 2L - 1); // all of 129, part of 128
        assertThat(m.knownZero().isKnownZero(129)).isTrue();
        assertThat(m.knownZero().isKnownZero(128))
                .as("a partly zeroed page may still hold data")
                .isFalse();
        m.untracked().zero(70L * PAGE_SIZE, PAGE_SIZE);
        assertThat(m.knownZero().isKnownZero(70)).isTrue();
    }

    /** The one promise that matters: a page reported as known zero holds only zeros, whatever was written. */
    @Property(tries = 200)
    void aKnownZeroPageHoldsOnlyZeros(@ForAll("writes") List<Write> writes) {
        GuestMemory m = GuestMemory.of(PAGES * (long) PAGE_SIZE);
        for (Write w : writes) {
            if (w.zero()) {
                m.untracked().zero(w.address(), w.length());
            } else {
                byte[] data = new byte[w.length()];
                java.util.Arrays.fill(data, (byte) 0x5A);
                m.tracked().write(w.address(), ByteBuffer.wrap(data));
            }
        }
        PageViews views = m.newPageViews(1);
        for (long p = 0; p < PAGES; p++) {
            if (m.knownZero().isKnownZero(p)) {
                assertThat(views.isZero(p)).as("page %s", p).isTrue();
            }
        }
    }

    record Write(long address, int length, boolean zero) {}

    @Provide
    Arbitrary<List<Write>> writes() {
        Arbitrary<Write> one = Combinators.combine(
                        Arbitraries.longs().between(0, PAGES * (long) PAGE_SIZE - 1),
                        Arbitraries.integers().between(1, 3 * PAGE_SIZE),
                        Arbitraries.of(true, false))
                .as((address, length, zero) ->
                        new Write(address, (int) Math.min(length, PAGES * (long) PAGE_SIZE - address), zero));
        return one.list().ofMaxSize(30);
    }
}
