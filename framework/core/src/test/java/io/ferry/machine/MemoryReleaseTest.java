package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Guest RAM of a closed machine is freed at once, and a size the host cannot hold is refused up front. */
class MemoryReleaseTest {
    private static final long RAM = 64L << 20;

    @Test
    void recreatingAMachineEightTimesHoldsNoMoreThanOneMachinesRam() {
        long before = directUsed();
        for (int i = 0; i < 8; i++) {
            Machine m = Machine.create("m" + i, GuestMemory.of(RAM));
            m.start();
            m.startVcpu("v0", 10_000, new PageDirtier(m.memory(), new DirtyPattern.Uniform(), i));
            m.close();
        }
        // no garbage collection asked for: the memory must have been freed by close() itself
        assertThat(directUsed() - before).isLessThan(RAM);
    }

    @Test
    void aMachineClosedDuringItsMigrationFreesItsRamWhenTheMigrationLetsGo() {
        long before = directUsed();
        Machine m = Machine.create("claimed", GuestMemory.of(RAM));
        MigrationClaim claim = m.claimForMigration("test");
        m.close();
        assertThat(directUsed() - before).as("still held for the migration").isGreaterThanOrEqualTo(RAM);
        assertThat(m.memory().firstNonZero(0, RAM)).isEqualTo(-1); // still readable
        claim.close();
        assertThat(directUsed() - before).isLessThan(RAM);
        assertThatThrownBy(() -> m.memory().firstNonZero(0, RAM))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("block ram was released with its machine");
    }

    @Test
    void guestRamLargerThanTheHostCanHoldIsAClearTypedError() {
        assertThatThrownBy(() -> GuestMemory.of(1L << 50))
                .isInstanceOf(GuestMemoryTooLargeException.class)
                .hasMessageContaining("guest RAM of 1073741824.0 MiB does not fit");
    }

    @Test
    void guestRamDroppedWithoutClosingItsMachineDoesNotCountAgainstTheNextOne() {
        // A budget that holds one 64 MiB block but not two: the dropped block must be reclaimed
        // (collected, its cleaner run) for the check to pass, as the JDK does before it refuses a
        // direct allocation.
        long budget = directUsed() + RAM + (RAM / 2);
        java.nio.ByteBuffer dropped = java.nio.ByteBuffer.allocateDirect((int) RAM);
        assertThat(dropped.capacity()).isEqualTo((int) RAM);
        dropped = null;
        HostMemory.checkFits(RAM, budget);
    }

    private static long directUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }
}
