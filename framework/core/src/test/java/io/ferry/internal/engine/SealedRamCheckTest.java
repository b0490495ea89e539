package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.DirtyLog;
import io.ferry.machine.GuestMemory;
import io.ferry.migration.LateDirtyException;
import io.ferry.pipeline.DirtyLogRegistration;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Outcome;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageHandler;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who the seal blames, and what the device logs go through. */
class SealedRamCheckTest {
    private final GuestMemory memory = GuestMemory.of(1 << 20);
    private final DirtyLog log = new DirtyLog("blk0", memory.pages());
    private final SealedRam sealed = new SealedRam(memory, List.of(new DirtyLogRegistration("blk", log)));
    private final HandlerRegistration clock = new HandlerRegistration(
            "clock",
            Stage.COMPLETE,
            "clock.stamp",
            -1000,
            Optional.empty(),
            (StageHandler) ctx -> {},
            Optional.empty(),
            false);

    @Test
    void aWriteOnTheMigrationThreadIsTheHandlersDoing() {
        sealed.seal();
        memory.untracked("clock0").writeLong(0, 1);
        assertThatThrownBy(() -> sealed.check(clock)).isInstanceOfSatisfying(LateDirtyException.class, e -> {
            assertThat(e.handlerId()).isEqualTo("clock.stamp");
            assertThat(e.writer()).isEqualTo("clock.stamp");
            assertThat(e)
                    .hasMessageContaining("handler clock.stamp (plugin clock, priority -1000) dirtied guest page 0")
                    .hasMessageContaining("clock0");
        });
    }

    @Test
    void aWriteOnAnotherThreadIsTheDevicesDoing() throws Exception {
        sealed.seal();
        Thread backend = new Thread(() -> memory.untracked("blk0").writeLong(5 * 4096, 1), "blk0-worker");
        backend.start();
        backend.join();
        assertThatThrownBy(() -> sealed.check(clock)).isInstanceOfSatisfying(LateDirtyException.class, e -> {
            assertThat(e.handlerId()).isNull();
            assertThat(e.writer()).isEqualTo("blk0");
            assertThat(e)
                    .hasMessageContaining("blk0 wrote guest RAM after RAM's final pass (page 5, thread blk0-worker)");
        });
    }

    @Test
    void aDeviceLogThatRecordedAPageWhileSealedFailsNamingTheLog() {
        sealed.start();
        sealed.seal();
        log.mark(9);
        assertThatThrownBy(() -> sealed.check(null)).isInstanceOfSatisfying(LateDirtyException.class, e -> {
            assertThat(e.writer()).isEqualTo("blk0");
            assertThat(e).hasMessageContaining("dirty log blk0 (plugin blk) recorded 1 guest page(s)");
        });
    }

    @Test
    void logsAreOnFromStartMergedAtSyncAndOffAtTheEnd() throws Exception {
        sealed.start();
        log.mark(3);
        DirtyBitmap bitmap = memory.newBitmap();
        sealed.sync(bitmap);
        assertThat(bitmap.get(3)).isTrue();
        assertThat(log.peekCount()).isZero();
        sealed.seal();
        sealed.check(null); // nothing written: passes
        DirtyBitmap dontCare = memory.newBitmap();
        dontCare.set(4);
        memory.markDontCare(dontCare);
        sealed.end(new Outcome.Failed(new IllegalStateException("x")));
        assertThat(memory.isSealed()).isFalse();
        assertThat(log.isEnabled()).isFalse();
        assertThat(memory.dontCareCount()).isZero(); // meaningless after a failed migration
    }
}
