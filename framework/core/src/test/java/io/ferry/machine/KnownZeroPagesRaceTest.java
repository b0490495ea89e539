package io.ferry.machine;

import static io.ferry.machine.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A vCPU's write races a zero fill of the same page. The vCPU takes no lock, so its data store and
 * its look at the page's known-zero bit must be ordered by a fence of their own: without it the
 * look can come first (a store-load reordering x86 allows), see the bit still set, skip the mark,
 * and the data land after the fill's zeros on a page then known zero, which the RAM sender would
 * send as zeros on every pass.
 */
class KnownZeroPagesRaceTest {
    private static final int PAGES = 256;
    private static final long ROUNDS = 2_000_000;
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(6);

    private final GuestMemory memory = GuestMemory.of(PAGES * (long) PAGE_SIZE);
    private final AtomicLong start = new AtomicLong(-1);
    private final AtomicLong vcpuDone = new AtomicLong(-1);
    private volatile boolean stop;
    private long rounds;
    private long wrong;

    @Test
    void aVcpuWriteRacingAZeroFillNeverLeavesDataOnAKnownZeroPage() throws Exception {
        Thread vcpu = new Vcpu.VcpuThread(this::vcpuWrites, "race-vcpu", memory);
        Thread filler = new Thread(this::fillAndCheck, "race-fill"); // two threads for two cores: no third spins
        vcpu.start();
        filler.start();
        filler.join(BUDGET_NANOS / 1_000_000 + 10_000);
        stop = true;
        vcpu.join(10_000);
        assertThat(filler.isAlive()).isFalse();
        assertThat(rounds).isGreaterThan(1_000);
        assertThat(wrong)
                .as("rounds that left a vCPU's data on a page known zero, of %s", rounds)
                .isZero();
    }

    /** Each round: gives the page data (its bit set), starts the vCPU, zero-fills the page, and checks the outcome. */
    private void fillAndCheck() {
        long deadline = System.nanoTime() + BUDGET_NANOS;
        try {
            for (long r = 0; r < ROUNDS && System.nanoTime() < deadline; r++) {
                memory.untracked().writeLong(page(r) + 16, 1);
                start.set(r);
                memory.untracked().zero(page(r), PAGE_SIZE);
                for (int spins = 1; vcpuDone.get() != r; spins++) {
                    pause(spins);
                }
                int p = (int) (page(r) / PAGE_SIZE);
                if (memory.knownZero().isKnownZero(p) && memory.untracked().readLong(page(r) + 8) != 0) {
                    wrong++;
                }
                rounds++;
            }
        } finally {
            stop = true;
        }
    }

    private void vcpuWrites() {
        for (long r = 0; !stop; r++) {
            for (int spins = 1; start.get() < r; spins++) {
                if (stop) {
                    return;
                }
                pause(spins);
            }
            memory.untracked().writeLong(page(r) + 8, r | 1);
            vcpuDone.set(r);
        }
    }

    /**
     * Spins, as the race needs; from the 10,000th spin of one wait on it yields too, so on one
     * processor the other thread gets to run.
     */
    private static void pause(int spins) {
        if (spins > 10_000) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    private static long page(long round) {
        return (round % PAGES) * PAGE_SIZE;
    }
}
