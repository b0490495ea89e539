package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryFill;
import org.junit.jupiter.api.Test;

class BenchContentsTest {
    private static final long MIB = 1 << 20;

    @Test
    void zeroFilledPagesAreKnownZeroButWrittenZerosAreNot() {
        GuestMemory filled = GuestMemory.of(8 * MIB);
        GuestMemory written = GuestMemory.of(8 * MIB);
        MemoryFill.random(filled, 3, 0);
        MemoryFill.random(written, 3, 0);

        BenchCommand.fill(filled, BenchCase.Content.zero);
        BenchCommand.fill(written, BenchCase.Content.writtenZero);

        assertThat(written.contentEquals(filled)).isTrue();
        assertThat(filled.knownZero().count()).isEqualTo(filled.pages()); // the sender sends them unread
        assertThat(written.knownZero().count()).isZero(); // the sender must read and check every page
    }

    @Test
    void contentsAreNamedAsUsersWriteThem() {
        assertThat(BenchCase.Content.of("written-zero")).isEqualTo(BenchCase.Content.writtenZero);
        assertThat(BenchCase.Content.writtenZero).hasToString("written-zero");
        assertThat(BenchCase.Content.of("half")).isEqualTo(BenchCase.Content.half);
        assertThatThrownBy(() -> BenchCase.Content.of("writtenZero"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown content 'writtenZero' (one of random, zero, half, written-zero, compressible)");
    }
}
