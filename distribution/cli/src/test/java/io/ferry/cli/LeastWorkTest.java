package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryFill;
import org.junit.jupiter.api.Test;

class LeastWorkTest {
    @Test
    void theCopyItTimesIsAWholeCopy() {
        // Two blocks, the second ending in a part of a 512 KiB piece: pieces are cut at a block's end.
        GuestMemory from = GuestMemory.builder()
                .block("ram", 8 << 20)
                .block("rom", 4L * GuestMemory.PAGE_SIZE + (1 << 20))
                .build();
        GuestMemory into = GuestMemory.builder()
                .block("ram", 8 << 20)
                .block("rom", 4L * GuestMemory.PAGE_SIZE + (1 << 20))
                .build();
        MemoryFill.random(from, 7, 0);
        assertThat(into.contentEquals(from)).isFalse();

        LeastWork.Costs costs = LeastWork.measure(from, into);

        assertThat(into.contentEquals(from)).as("every byte copied").isTrue();
        assertThat(costs.checksumMillis()).isNotNegative();
        assertThat(costs.copyMillis()).isNotNegative();
    }

    @Test
    void theLeastWorkBeyondTheWireIsAChecksumAtEachEndAndOneCopy() {
        assertThat(new LeastWork.Costs(170, 410).beyondWire()).isEqualTo(2 * 170 + 410);
    }

    @Test
    void refusesATargetOfAnotherLayout() {
        assertThatThrownBy(() -> LeastWork.measure(GuestMemory.of(1 << 20), GuestMemory.of(2 << 20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the copy's target must have the source's layout");
    }
}
