package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationStatus;
import io.ferry.ram.RamSection.RunEntry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.ChunkFuzzing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 7, through a real destination: a stream whose END totals and digest agree with
 * what it carries (as a batch dropped at the source would leave it) but that never sent some pages
 * is refused at LOAD_COMPLETE, and the destination does not run.
 */
class RamCompletenessStreamTest {
    private static final int PAGES = 64;

    @Test
    void aStreamMissingABatchIsRefusedAtLoadCompleteAndOneWithEveryPageCompletes() throws Exception {
        try (Machine dest = destination()) {
            Migration in = ChunkFuzzing.load(new RamPlugin(), dest, RamSection.ID, List.of(blocks(), zeroRun(0, 40)));
            assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(in.failure().orElseThrow())
                    .hasRootCauseInstanceOf(IncompleteRamException.class)
                    .hasStackTraceContaining("the first pages [40, 64)");
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
        try (Machine dest = destination()) {
            Migration in = ChunkFuzzing.load(
                    new RamPlugin(), dest, RamSection.ID, List.of(blocks(), zeroRun(0, 40), zeroRun(40, 24)));
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
        }
    }

    private static Machine destination() {
        return Machine.incoming(
                "complete",
                GuestMemory.builder()
                        .block("ram", PAGES * (long) GuestMemory.PAGE_SIZE)
                        .build());
    }

    private static byte[] blocks() {
        byte[] name = "ram".getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(3 + 2 + name.length + 8)
                .put(RamSection.BLOCKS)
                .putShort((short) 1)
                .putShort((short) name.length)
                .put(name)
                .putLong(PAGES * (long) GuestMemory.PAGE_SIZE)
                .array();
    }

    private static byte[] zeroRun(long first, int count) {
        ByteBuffer b = ByteBuffer.allocate(RamSection.runAt(0, 1));
        b.put(0, RamSection.PAGES).putInt(1, 1);
        RunEntry.write(b, RamSection.runAt(0, 0), first, count, RamSection.RUN_ZERO);
        return b.array();
    }
}
