package io.ferry.ram.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.IncompleteRamException;
import io.ferry.ram.MalformedRamChunkException;
import io.ferry.ram.RamSection;
import io.ferry.ram.RamSection.RunEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 7: every page must arrive at least once (with data, or declared zero) before
 * LOAD_COMPLETE; a page never sent is refused even where the fresh destination holds zero.
 */
class RamCompletenessTest {
    private static final int PAGES = 200;

    private GuestMemory memory;
    private RamLoader loader;

    @BeforeEach
    void setUp() {
        memory = GuestMemory.of(PAGES * (long) GuestMemory.PAGE_SIZE);
        loader = new RamLoader(memory);
        loader.load(context(), blockList());
    }

    @Test
    void everyPageSentOnceWithDataOrAsZeroIsComplete() {
        loader.load(
                context(),
                batch(new long[] {0, 70}, new int[] {70, 100}, new int[] {RamSection.RUN_NORMAL, RamSection.RUN_ZERO}));
        loader.load(context(), batch(new long[] {170}, new int[] {30}, new int[] {RamSection.RUN_NORMAL}));
        assertThatCode(() -> loader.complete(context())).doesNotThrowAnyException();
    }

    @Test
    void aDroppedBatchIsRefusedNamingTheFirstMissingRange() {
        loader.load(context(), batch(new long[] {0}, new int[] {70}, new int[] {RamSection.RUN_NORMAL}));
        // the batch of pages [70, 130) was dropped
        loader.load(context(), batch(new long[] {130}, new int[] {70}, new int[] {RamSection.RUN_ZERO}));
        assertThatThrownBy(() -> loader.complete(context()))
                .isInstanceOf(IncompleteRamException.class)
                .hasMessageContaining("pages [70, 130)")
                .hasMessageContaining("60 of " + PAGES);
    }

    @Test
    void pagesNeverSentAreRefusedEvenWhereTheFreshDestinationHoldsZero() {
        assertThat(memory.knownZero().count()).isEqualTo(PAGES);
        assertThatThrownBy(() -> loader.complete(context()))
                .isInstanceOf(IncompleteRamException.class)
                .hasMessageContaining("pages [0, " + PAGES + ")");
    }

    @Test
    void aPageSentAgainInALaterBatchIsAccepted() {
        loader.load(context(), batch(new long[] {0}, new int[] {PAGES}, new int[] {RamSection.RUN_ZERO}));
        loader.load(context(), batch(new long[] {5}, new int[] {3}, new int[] {RamSection.RUN_NORMAL}));
        assertThatCode(() -> loader.complete(context())).doesNotThrowAnyException();
    }

    @Test
    void overlappingRunsInOneBatchAreRefusedBeforeAnythingIsWritten() {
        ByteBuffer overlapping = batch(new long[] {10, 0, 12}, new int[] {3, 5, 3}, new int[] {
            RamSection.RUN_NORMAL, RamSection.RUN_NORMAL, RamSection.RUN_NORMAL
        });
        assertThatThrownBy(() -> loader.load(context(), overlapping))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessageContaining("overlap")
                .hasMessageContaining("page 12");
        assertThat(memory.knownZero().count()).as("pages written").isEqualTo(PAGES);
    }

    /** A PAGES chunk of the given runs; normal pages carry a non-zero byte so they are really written. */
    private static ByteBuffer batch(long[] first, int[] count, int[] kind) {
        long normal = 0;
        for (int i = 0; i < first.length; i++) {
            normal += kind[i] == RamSection.RUN_NORMAL ? count[i] : 0;
        }
        int dataAt = RamSection.runAt(0, first.length);
        ByteBuffer b = ByteBuffer.allocate(dataAt + (int) normal * GuestMemory.PAGE_SIZE);
        b.put(0, RamSection.PAGES).putInt(1, first.length);
        for (int i = 0; i < first.length; i++) {
            RunEntry.write(b, RamSection.runAt(0, i), first[i], count[i], kind[i]);
        }
        for (int p = 0; p < normal; p++) {
            b.put(dataAt + p * GuestMemory.PAGE_SIZE, (byte) (p + 1));
        }
        return b;
    }

    private ByteBuffer blockList() {
        byte[] name = memory.blocks().get(0).name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(3 + 2 + name.length + 8);
        b.put(RamSection.BLOCKS)
                .putShort((short) 1)
                .putShort((short) name.length)
                .put(name)
                .putLong(memory.size());
        return b.flip();
    }

    private static StageContext context() {
        return TestStageContext.destination(n -> {});
    }
}
