package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.migration.HandlerFailedException;
import io.ferry.migration.MigrationFigures;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** "These pages need not be sent": a free-page-hinting balloon at DIRTY_SYNC, after RAM's sync. */
class DontCarePagesTest {
    private static final long RAM = 8L << 20;
    private static final long FREE_FIRST = 512;
    private static final long FREE_COUNT = 1024;
    private static final long REUSED = FREE_FIRST + 100;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Hints [FREE_FIRST, +FREE_COUNT) free in the first pass; the guest then takes one page back and writes it. */
    private static final class Balloon implements MigrationPlugin {
        long dropped;

        @Override
        public String name() {
            return "balloon";
        }

        @Override
        public void registerSource(Registrar r) {
            r.on(Stage.DIRTY_SYNC)
                    .id("balloon.hint")
                    .priority(Priority.AFTER_RAM)
                    .handler(ctx -> {
                        if (ctx.pass() == 1) {
                            dropped = ctx.discardPages(FREE_FIRST, FREE_COUNT);
                            ctx.machine()
                                    .memory()
                                    .tracked()
                                    .writeLong(REUSED * GuestMemory.PAGE_SIZE, 42); // written again
                        }
                    });
        }
    }

    @Test
    void droppedPagesAreNotSentButCountedAndZeroOnTheDestinationWhileARewrittenPageIsSent() throws Exception {
        try (Machine source = TestMachines.runningSource("balloon", RAM, 41);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.random(source.memory(), 41, 0); // every page non-zero: a page sent as data is told apart
            source.pause();
            Balloon balloon = new Balloon();
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), balloon)
                    .run(WAIT)
                    .assertCompleted();
            MigrationFigures f = out.sourceFigures();
            long pages = RAM / GuestMemory.PAGE_SIZE;
            assertThat(balloon.dropped).isEqualTo(FREE_COUNT); // all dirty since SETUP marked every page
            assertThat(f.discardedPages()).isEqualTo(FREE_COUNT);
            assertThat(f.normalPages()).isEqualTo(pages - FREE_COUNT + 1); // the rewritten page went as data
            assertThat(dest.memory().untracked().readLong(REUSED * GuestMemory.PAGE_SIZE))
                    .isEqualTo(42);
            assertThat(dest.memory().firstNonZero(FREE_FIRST * GuestMemory.PAGE_SIZE, 100 * GuestMemory.PAGE_SIZE))
                    .isEqualTo(-1);
            assertThat(source.memory().dontCareCount()).isEqualTo(FREE_COUNT - 1);
            // The source still holds its old bytes there; the comparisons read them as "don't care".
            assertThat(source.memory().firstNonZero(FREE_FIRST * GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE))
                    .isNotEqualTo(-1);
            StateAssertions.assertSameState(source, dest);
            assertThat(source.memory().digest()).isEqualTo(dest.memory().digest());
            // And they are real differences once the source runs again.
            source.start();
            assertThatThrownBy(() -> StateAssertions.assertSameRam(source, dest))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("page " + FREE_FIRST);
        }
    }

    @Test
    void discardingOutsideDirtySyncIsRefused() throws Exception {
        MigrationPlugin wrong = new MigrationPlugin() {
            @Override
            public String name() {
                return "wrong";
            }

            @Override
            public void registerSource(Registrar r) {
                r.on(Stage.ITERATE)
                        .id("wrong.discard")
                        .priority(Priority.AFTER_RAM)
                        .handler(ctx -> ctx.discardPages(0, 1));
            }
        };
        try (Machine source = TestMachines.runningSource("wrong", RAM, 42);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), wrong)
                    .run(WAIT);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(HandlerFailedException.class)
                    .hasMessageContaining("wrong.discard")
                    .hasMessageContaining("DIRTY_SYNC only");
        }
    }
}
