package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class DirtyBitmapTest {

    @Test
    void setClearCountAndWalk() {
        DirtyBitmap b = new DirtyBitmap(130);
        assertThat(b.set(3)).isTrue();
        assertThat(b.set(3)).isFalse();
        b.set(64);
        b.set(129);
        assertThat(b.count()).isEqualTo(3);
        List<Long> walked = new ArrayList<>();
        for (long p = b.nextDirty(0); p >= 0; p = b.nextDirty(p + 1)) {
            walked.add(p);
        }
        assertThat(walked).containsExactly(3L, 64L, 129L);
        assertThat(b.clear(64)).isTrue();
        assertThat(b.clear(64)).isFalse();
        assertThat(b.count()).isEqualTo(2);
    }

    @Test
    void setAllMarksExactlyThePages() {
        DirtyBitmap b = new DirtyBitmap(70);
        b.setAll();
        assertThat(b.count()).isEqualTo(70);
        assertThat(b.nextDirty(69)).isEqualTo(69);
        assertThat(b.nextDirty(70)).isEqualTo(-1);
    }

    @Test
    void concurrentMarksAreNeverLostByADrain() throws InterruptedException {
        long pages = 1 << 16;
        DirtyLog log = new DirtyLog("test", pages);
        log.enable();
        DirtyBitmap target = new DirtyBitmap(pages);
        CountDownLatch go = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            for (long p = 0; p < pages; p++) {
                log.mark(p);
            }
        });
        writer.start();
        go.countDown();
        while (writer.isAlive()) {
            log.drainInto(target);
        }
        writer.join();
        log.drainInto(target);
        assertThat(target.count()).isEqualTo(pages);
    }

    @Test
    void disabledLogRecordsNothingAndDisablingForgets() {
        DirtyLog log = new DirtyLog("t", 64);
        log.mark(1);
        assertThat(log.peekCount()).isZero();
        log.enable();
        log.markRange(4, 3);
        assertThat(log.peekCount()).isEqualTo(3);
        log.disable();
        assertThat(log.peekCount()).isZero();
    }
}
