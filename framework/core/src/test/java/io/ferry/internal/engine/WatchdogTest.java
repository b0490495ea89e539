package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testing.BusyCommonPool;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WatchdogTest {
    @Test
    void anArmedWatchdogFiresOnceAndADisarmedOneNever() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        Watchdog armed = Watchdog.arm(Duration.ofMillis(50), fired::countDown);
        CountDownLatch never = new CountDownLatch(1);
        Watchdog disarmed = Watchdog.arm(Duration.ofMillis(400), never::countDown);
        disarmed.close(); // well within its 400 ms, even on a loaded host

        assertThat(fired.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(armed.fired()).isTrue();
        assertThat(never.await(1200, TimeUnit.MILLISECONDS)).isFalse(); // three times its timeout
        assertThat(disarmed.fired()).isFalse();
    }

    /**
     * The action bounds a blocking wait (it closes what the wait is on). It ran on the common pool,
     * so with that pool busy (parallel streams in the program that embeds Ferry; CompletableFuture
     * uses the common pool from 3 processors on, a thread per task below that) it did not run
     * until the pool freed up, and the wait it bounds went on.
     */
    @Test
    void itFiresWhileTheCommonPoolIsBusy() throws Exception {
        try (BusyCommonPool busy = BusyCommonPool.occupy()) {
            CountDownLatch fired = new CountDownLatch(1);
            try (Watchdog w = Watchdog.arm(Duration.ofMillis(50), fired::countDown)) {
                assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(w.fired()).isTrue();
            }
        }
    }
}
