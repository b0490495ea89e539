package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * A guest memory belongs to one machine: that machine's vCPUs skip its gates, and its close frees
 * it, so a second machine over it could free RAM under the first one's vCPUs (or the other way round).
 */
class MemoryOwnershipTest {
    private final GuestMemory memory = GuestMemory.of(1 << 20);

    @Test
    void aSecondMachineOverAMemoryAnotherMachineOwnsIsRefused() {
        try (Machine first = Machine.create("first", memory)) {
            assertThatThrownBy(() -> Machine.incoming("second", memory))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Machine[first, PRELAUNCH")
                    .hasMessageContaining("machine second")
                    .hasMessageContaining(memory.toString());
            assertThat(first.memory()).isSameAs(memory);
        }
    }

    @Test
    void theMemoryOfAClosedMachineIsFreedWithItSoNoMachineMayTakeItAfterwards() {
        Machine first = Machine.create("first", memory);
        first.close();
        assertThatThrownBy(() -> Machine.create("second", memory))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Machine[first, SHUTDOWN");
    }

    @Test
    void aMachineRefusedForItsInitialStateLeavesTheMemoryFree() {
        assertThatThrownBy(() -> new Machine("wrong", memory, RunState.RUNNING))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a machine starts in PRELAUNCH or INMIGRATE, not RUNNING");
        try (Machine m = Machine.create("right", memory)) {
            assertThat(m.memory()).isSameAs(memory);
        }
    }

    @Test
    void aMachineHandsItsMemoryOnUnfreedAndItsLaterCloseLeavesItToTheNextOwner() {
        Machine first = Machine.create("first", memory);
        first.start();
        first.startVcpu("v0", 1_000, step -> memory.tracked().writeLong(0, 42));
        awaitTrue(() -> memory.untracked().readLong(0) == 42);
        assertThat(first.closeKeepingMemory()).isSameAs(memory);
        assertThat(first.runState()).isEqualTo(RunState.SHUTDOWN);
        assertThat(first.vcpus()).allSatisfy(v -> assertThat(v.ended()).isTrue());
        try (Machine second = Machine.incoming("second", memory)) {
            first.close(); // shut down already: must not free the memory the second machine owns now
            assertThat(memory.untracked().readLong(0)).isEqualTo(42);
            assertThatThrownBy(first::closeKeepingMemory)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("machine first has freed or handed on its memory already");
        }
        assertThatThrownBy(() -> memory.untracked().readLong(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("block ram was released with its machine");
    }

    @Test
    void aMachineInAMigrationKeepsItsMemoryAndItsRunState() {
        try (Machine first = Machine.create("first", memory)) {
            first.start();
            MigrationClaim claim = first.claimForMigration("test migration");
            assertThatThrownBy(first::closeKeepingMemory)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("machine first is in a migration (test migration): its memory is in use until it ends");
            assertThat(first.runState()).isEqualTo(RunState.RUNNING);
            assertThatThrownBy(() -> Machine.create("second", memory)).isInstanceOf(IllegalArgumentException.class);
            claim.close();
        }
    }

    @Test
    void aMachineWithADeviceKeepsItsMemoryAndRunsOn() {
        try (Machine first = Machine.create("first", memory)) {
            first.start();
            first.attach(new Device() {
                @Override
                public String id() {
                    return "dma-engine";
                }

                @Override
                public String stateFingerprint() {
                    return "";
                }
            });
            assertThatThrownBy(first::closeKeepingMemory)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("machine first has devices attached [dma-engine]: detach them before handing its memory"
                            + " on, or one could write into the next machine's RAM");
            assertThat(first.runState()).isEqualTo(RunState.RUNNING);
            assertThatThrownBy(() -> Machine.create("second", memory)).isInstanceOf(IllegalArgumentException.class);
            first.detach("dma-engine");
            assertThat(first.closeKeepingMemory()).isSameAs(memory);
        }
        Machine.create("second", memory).close();
    }

    @Test
    void theNextOwnerGetsTheBytesWithoutTheSealOrTheDontCarePages() {
        Machine first = Machine.create("first", memory);
        memory.untracked().writeLong(GuestMemory.PAGE_SIZE, 7);
        DirtyBitmap free = new DirtyBitmap(memory.pages());
        free.set(1);
        memory.markDontCare(free);
        memory.seal();
        first.closeKeepingMemory();
        try (Machine second = Machine.incoming("second", memory)) {
            assertThat(memory.isSealed()).isFalse();
            assertThat(memory.dontCareCount()).isZero();
            assertThat(memory.untracked().readLong(GuestMemory.PAGE_SIZE)).isEqualTo(7);
            assertThat(second.memory()).isSameAs(memory);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the vCPU wrote in time").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
