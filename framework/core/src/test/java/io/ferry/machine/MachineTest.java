package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class MachineTest {

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void runStateChangesNotifyListeners() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            List<String> seen = new ArrayList<>();
            m.addRunStateListener((machine, from, to) -> seen.add(from + "->" + to));
            m.start();
            m.pause();
            m.pause(); // no change, no event
            assertThat(seen).containsExactly("PRELAUNCH->RUNNING", "RUNNING->PAUSED");
        }
    }

    /** One listener that throws stopped the others from hearing: a device left running after a pause, say. */
    @Test
    void everyListenerHearsAChangeEvenAfterOneThrows() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            List<String> seen = new ArrayList<>();
            m.addRunStateListener((machine, from, to) -> {
                if (to == RunState.RUNNING) {
                    throw new IllegalStateException("first listener failed");
                }
            });
            m.addRunStateListener((machine, from, to) -> {
                if (to == RunState.RUNNING) {
                    throw new IllegalStateException("second listener failed");
                }
            });
            m.addRunStateListener((machine, from, to) -> seen.add(from + "->" + to));

            assertThatThrownBy(m::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("first listener failed")
                    .satisfies(e -> assertThat(e.getSuppressed())
                            .singleElement()
                            .satisfies(s -> assertThat(s).hasMessage("second listener failed")));
            assertThat(seen).containsExactly("PRELAUNCH->RUNNING");
            assertThat(m.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void vcpusRunOnlyWhileRunningAndStopAtASafepoint() {
        try (Machine m = Machine.create("m", GuestMemory.of(4 << 20))) {
            m.memory().dirtyLog().enable();
            Vcpu v = m.startVcpu("v0", 50_000, new PageDirtier(m.memory(), new DirtyPattern.Uniform(), 1));
            assertThat(v.steps()).isZero(); // PRELAUNCH: the thread waits at the gate
            m.start();
            awaitTrue(() -> v.steps() > 1000, "the vCPU to run");
            m.pause();
            long stepsAtStop = v.steps();
            DirtyBitmap drained = m.memory().newBitmap();
            m.memory().dirtyLog().drainInto(drained);
            // pause() returned with the vCPU outside its batch: nothing more may be written
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            while (System.nanoTime() < deadline) {
                assertThat(m.memory().dirtyLog().peekCount()).isZero();
            }
            assertThat(v.steps()).isEqualTo(stepsAtStop);
            m.start();
            awaitTrue(() -> v.steps() > stepsAtStop, "the vCPU to resume");
        }
    }

    @Test
    void failingGuestTaskStopsItsVcpuAndKeepsTheCause() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            m.start();
            Vcpu v = m.startVcpu("bad", 1000, i -> {
                throw new IllegalStateException("boom at " + i);
            });
            awaitTrue(() -> v.failure().isPresent(), "the vCPU to fail");
            assertThat(v.failure().orElseThrow()).hasMessage("boom at 0");
        }
    }

    /**
     * A pause waits for every vCPU to finish its batch while it holds the machine; a task that
     * read the run state in its step waited for the machine, and neither moved.
     */
    @Test
    void aVcpuThatReadsTheRunStateDoesNotDeadlockAPause() {
        // preemptively: a deadlocked machine would hang its own close() too
        assertTimeoutPreemptively(Duration.ofSeconds(60), MachineTest::pauseAndResumeAVcpuThatReadsTheRunState);
    }

    private static void pauseAndResumeAVcpuThatReadsTheRunState() throws Exception {
        ExecutorService changes = Executors.newSingleThreadExecutor();
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            Vcpu v = m.startVcpu("reader", 20_000, i -> {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                m.runState();
            });
            for (int round = 0; round < 200; round++) {
                changes.submit(m::start).get(5, TimeUnit.SECONDS);
                long at = v.steps();
                awaitTrue(() -> v.steps() > at, "the vCPU to step");
                changes.submit(m::pause).get(5, TimeUnit.SECONDS);
            }
            assertThat(v.failure()).isEmpty();
        } finally {
            changes.shutdownNow();
        }
    }

    /** A vCPU that pauses its own machine would wait for itself: refused, kept as the vCPU's failure. */
    @Test
    void aVcpuCannotChangeItsMachinesRunState() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            m.start();
            Vcpu v = m.startVcpu("poweroff", 1000, i -> m.pause());
            awaitTrue(() -> v.failure().isPresent(), "the vCPU to fail");
            assertThat(v.failure().orElseThrow())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a vCPU of machine m cannot change its run state");
            assertThat(m.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void devicesAreUniqueById() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            Device d = new Device() {
                @Override
                public String id() {
                    return "d0";
                }

                @Override
                public String stateFingerprint() {
                    return "x";
                }
            };
            m.attach(d);
            assertThat(m.device("d0")).contains(d);
            assertThatThrownBy(() -> m.attach(d)).hasMessageContaining("already has a device 'd0'");
        }
    }

    @Test
    void dirtyPatternsParse() {
        assertThat(DirtyPattern.parse("hot")).isEqualTo(new DirtyPattern.HotSet(0.1));
        assertThat(DirtyPattern.parse("hot:0.5")).isEqualTo(new DirtyPattern.HotSet(0.5));
        assertThat(DirtyPattern.parse("UNIFORM")).isEqualTo(new DirtyPattern.Uniform());
        assertThatThrownBy(() -> DirtyPattern.parse("hot:2")).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> DirtyPattern.parse("zigzag")).hasMessageContaining("unknown dirty pattern 'zigzag'");
    }

    @Test
    void reservedRegionsRefuseOverlapsAndThePageDirtierLeavesThemAlone() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            m.reserve("ring", 64 * 4096, 8 * 4096);
            m.reserve("top", (1 << 20) - 16 * 4096, 16 * 4096);
            assertThatThrownBy(() -> m.reserve("other", 70 * 4096, 4096)).hasMessageContaining("overlaps ring");
            assertThatThrownBy(() -> m.reserve("far", 1 << 20, 4096)).hasMessageContaining("outside guest RAM");
            m.memory().dirtyLog().enable();
            PageDirtier dirtier = new PageDirtier(m, new DirtyPattern.Sequential(), 1);
            for (long i = 0; i < 3 * 256; i++) { // three sweeps over every free page
                dirtier.step(i);
            }
            DirtyBitmap dirty = m.memory().newBitmap();
            m.memory().dirtyLog().drainInto(dirty);
            assertThat(dirty.count()).isEqualTo(256 - 8 - 16);
            for (long p = 64; p < 72; p++) {
                assertThat(dirty.get(p)).as("reserved page %d", p).isFalse();
            }
            assertThat(dirty.nextDirty(256 - 16)).isEqualTo(-1);
        }
    }

    @Test
    void aClaimedMachineChangesRunStateOnlyThroughItsClaim() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            m.start();
            MigrationClaim claim = m.claimForMigration("migration to somewhere");
            assertThat(m.isClaimed()).isTrue();
            assertThatThrownBy(m::pause)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is in a migration (migration to somewhere)");
            assertThatThrownBy(() -> m.claimForMigration("another")).hasMessageContaining("already in a migration");
            claim.changeRunState(RunState.FINISH_MIGRATE);
            assertThat(m.runState()).isEqualTo(RunState.FINISH_MIGRATE);
            claim.close();
            claim.close(); // idempotent
            assertThat(m.isClaimed()).isFalse();
            m.start();
            assertThatThrownBy(() -> claim.changeRunState(RunState.PAUSED))
                    .hasMessageContaining("was released")
                    .satisfies(e -> assertThat(m.runState()).isEqualTo(RunState.RUNNING));
        }
    }

    @Test
    void shuttingDownIsAlwaysAllowed() {
        Machine m = Machine.create("m", GuestMemory.of(1 << 20));
        m.claimForMigration("stuck migration");
        m.close();
        assertThat(m.runState()).isEqualTo(RunState.SHUTDOWN);
    }
}
