package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.ram.RamSection.RunEntry;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RunEntryTest {
    @Property
    void anEntryReadsBackAsWritten(
            @ForAll @LongRange(min = 0) long first,
            @ForAll @IntRange(min = 1) int count,
            @ForAll @IntRange(min = 0, max = 3) int kind,
            @ForAll @IntRange(min = 0, max = 20) int index) {
        ByteBuffer batch = ByteBuffer.allocate(RamSection.runAt(0, index + 1));
        RunEntry.write(batch, RamSection.runAt(0, index), first, count, kind);
        assertThat(RunEntry.read(batch, RamSection.runAt(0, index))).isEqualTo(new RunEntry(first, count, kind));
    }

    @Test
    void aCountAboveTwoBillionReadsUnsigned() {
        ByteBuffer b =
                ByteBuffer.allocate(RunEntry.SIZE).putLong(0, 7).putInt(8, -1).putInt(12, RamSection.RUN_ZERO);
        assertThat(RunEntry.read(b, 0).count()).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void anEmptyRunIsRefused() {
        assertThatThrownBy(() -> RunEntry.write(ByteBuffer.allocate(RunEntry.SIZE), 0, 1, 0, RamSection.RUN_NORMAL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one page");
    }

    @Test
    void onlyNormalRunsCarryData() {
        assertThat(new RunEntry(0, 3, RamSection.RUN_NORMAL).dataBytes()).isEqualTo(3 * 4096);
        assertThat(new RunEntry(0, 3, RamSection.RUN_ZERO).dataBytes()).isZero();
    }
}
