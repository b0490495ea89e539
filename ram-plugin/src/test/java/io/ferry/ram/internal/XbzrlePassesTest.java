package io.ferry.ram.internal;

import static io.ferry.machine.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.pipeline.Compression;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.RamSection;
import io.ferry.ram.RamSection.RunEntry;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sender and loader through several passes without the engine: pages that change a word between
 * passes go as XBZRLE deltas from the third pass on (the second fills the cache), and the
 * destination ends equal to the source.
 */
class XbzrlePassesTest {
    private static final int PAGES = 512;
    private static final long HOT = 40; // pages rewritten between passes

    private final GuestMemory source = GuestMemory.of(PAGES * (long) PAGE_SIZE);
    private final GuestMemory destination = GuestMemory.of(PAGES * (long) PAGE_SIZE);
    private final Machine machine = Machine.create("source", source); // never started: its vCPUs are stopped
    private final DirtyBitmap bitmap = source.newBitmap();
    private final RamLoader loader = new RamLoader(destination);
    private final ByteBuffer page7 = ByteBuffer.allocate(PAGE_SIZE);
    private int deltaRuns;
    private int pass;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void pagesThatChangeAWordGoAsDeltasAndArriveIntact(Compression compression) throws Exception {
        MemoryFill.random(source, 4, 0.1);
        RamSender sender = new RamSender(source);
        sender.setup(context(compression));
        for (pass = 1; pass <= 4; pass++) {
            sender.sync(context(compression));
            sender.iterate(context(compression));
            assertThat(destination.firstDifference(source))
                    .as("after pass %s", pass)
                    .isEmpty();
            if (pass == 2) {
                source.untracked().read(7L * PAGE_SIZE, page7); // as sent (and cached) in pass 2
            }
            if (pass == 3) { // back to nearly what the stale cache entry would hold: a delta against it would be small
                source.tracked().write(7L * PAGE_SIZE, page7.flip());
            }
            for (long p = 0; p < HOT; p++) { // a word changes in each hot page: the vCPU path marks them dirty
                source.tracked().writeLong(p * 7 % PAGES * PAGE_SIZE + 8 * pass, pass * 1000L + p);
            }
            if (pass == 2) { // a cached page that goes out as a zero run must leave the cache
                source.tracked().zero(7L * PAGE_SIZE, PAGE_SIZE);
            }
        }
        sender.complete(context(compression));
        sender.cleanup(context(compression));
        assertThat(destination.firstDifference(source)).isEmpty();
        assertThat(deltaRuns).as("delta runs in passes 3 and on").isGreaterThanOrEqualTo((int) HOT);
        assertThat(sender.xbzrleHitRate()).isGreaterThan(0.5);
    }

    private StageContext context(Compression compression) {
        return TestStageContext.source(
                machine, bitmap, this::deliver, () -> pass, compression, 64L * PAGE_SIZE); // < RAM, > hot set
    }

    /** The sink: counts the delta runs of each chunk and loads it into the destination. */
    private void deliver(ByteBuffer[] parts, int offset, int length) {
        ByteBuffer chunk = TestStageContext.chunk(parts, offset, length);
        if (chunk.get(0) == RamSection.PAGES) {
            for (int r = 0; r < chunk.getInt(1); r++) {
                if (RunEntry.read(chunk, RamSection.runAt(0, r)).kind() == RamSection.RUN_XBZRLE) {
                    deltaRuns++;
                }
            }
        }
        loader.load(TestStageContext.destination(n -> {}), chunk);
    }
}
