package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyLog;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryAccess;
import io.ferry.machine.RunState;
import io.ferry.migration.LateDirtyException;
import io.ferry.migration.MigrationStatus;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sealed means sealed: once RAM's final pass has run, a write to guest RAM by anyone fails the
 * migration naming the writer, including a device backend writing through the untracked (DMA)
 * path on its own thread, with or without a dirty log of its own.
 */
class SealedRamTest {
    private static final long RAM = 8L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long PAGE = 300;
    private static final long VALUE = 0x0DDB_A11C_AFE0_F00DL;

    /**
     * A block device whose backend thread completes one request by DMA after RAM's final pass (it
     * is kicked by a COMPLETE handler ordered after RAM and is not waited for): the bug the seal
     * catches. The destination's LOAD_COMPLETE waits for the write, so it lands before the source
     * commits; no timing is involved.
     */
    private static final class LateBlockDevice implements MigrationPlugin {
        private final boolean ownLog;
        private final CountDownLatch written = new CountDownLatch(1);

        LateBlockDevice(boolean ownLog) {
            this.ownLog = ownLog;
        }

        @Override
        public String name() {
            return "blk";
        }

        @Override
        public void registerSource(Registrar r) {
            GuestMemory memory = r.machine().memory();
            MemoryAccess dma = memory.untracked("blk0");
            DirtyLog log = new DirtyLog("blk0", memory.pages());
            if (ownLog) {
                r.dirtyLog(log);
            }
            r.on(Stage.COMPLETE).id("blk.kick").priority(Priority.AFTER_RAM).handler(ctx -> {
                Thread backend = new Thread(
                        () -> {
                            dma.writeLong(PAGE * GuestMemory.PAGE_SIZE, VALUE);
                            log.mark(PAGE);
                            written.countDown();
                        },
                        "blk0-backend");
                backend.setDaemon(true);
                backend.start(); // the request completes later, on the backend's thread
            });
        }

        @Override
        public void registerDestination(Registrar r) {
            r.on(Stage.LOAD_COMPLETE)
                    .id("blk.wait")
                    .priority(Priority.AFTER_RAM)
                    .handler(ctx -> {
                        if (!written.await(30, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the source's backend never wrote");
                        }
                    });
        }
    }

    @ParameterizedTest(name = "own dirty log registered: {0}")
    @ValueSource(booleans = {false, true})
    void aBackendWritingThroughTheUntrackedPathAfterTheFinalPassFailsTheMigrationNamingIt(boolean ownLog)
            throws Exception {
        try (Machine source = TestMachines.runningSource("sealed-" + ownLog, RAM, 21);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), new LateBlockDevice(ownLog))
                    .run(WAIT);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(LateDirtyException.class)
                    .hasMessageContaining("blk0")
                    .hasMessageContaining("after RAM's final pass");
            assertThat(((LateDirtyException) out.source().failure().orElseThrow()).writer())
                    .isEqualTo("blk0");
            // Nothing lost: the source runs again with the late write in its RAM.
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(source.memory().untracked().readLong(PAGE * GuestMemory.PAGE_SIZE))
                    .isEqualTo(VALUE);
            assertThat(source.memory().isSealed()).isFalse();
            assertThat(dest.runState()).isNotEqualTo(RunState.RUNNING);
        }
    }

    /** The same device stopped before RAM's final pass (its log drained by the engine) migrates. */
    @Test
    void aBackendThatWritesBeforeTheFinalPassWithItsLogRegisteredMigratesItsWrite() throws Exception {
        try (Machine source = TestMachines.runningSource("sealed-ok", RAM, 22);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationPlugin blk = new MigrationPlugin() {
                @Override
                public String name() {
                    return "blk";
                }

                @Override
                public void registerSource(Registrar r) {
                    DirtyLog log = new DirtyLog("blk0", r.machine().memory().pages());
                    r.dirtyLog(log); // no handler merges it: the engine does
                    MemoryAccess dma = r.machine().memory().untracked("blk0");
                    r.on(Stage.COMPLETE)
                            .id("blk.flush")
                            .priority(Priority.BEFORE_RAM)
                            .handler(ctx -> {
                                dma.writeLong(PAGE * GuestMemory.PAGE_SIZE, VALUE);
                                log.mark(PAGE);
                            });
                }
            };
            Harness.between(source, dest)
                    .plugins(new RamPlugin(), blk)
                    .run(WAIT)
                    .assertCompleted();
            assertThat(dest.memory().untracked().readLong(PAGE * GuestMemory.PAGE_SIZE))
                    .isEqualTo(VALUE);
            StateAssertions.assertSameState(source, dest);
        }
    }
}
