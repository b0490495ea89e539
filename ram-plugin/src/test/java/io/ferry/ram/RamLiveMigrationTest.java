package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.RunState;
import io.ferry.machine.Vcpu;
import io.ferry.migration.MigrationStatus;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RamLiveMigrationTest {
    private static final long RAM = 64L << 20;

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void pausedMachineArrivesByteForByte(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("paused", RAM, 1);
                Machine dest = TestMachines.destinationFor(source)) {
            source.pause();
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(transport)
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
            assertThat(out.sourceFigures().zeroPages()).isPositive();
            assertThat(out.sourceFigures().normalPages()).isPositive();
            assertThat(out.sourceFigures().normalPages() + out.sourceFigures().zeroPages())
                    .isEqualTo(source.memory().pages());
            assertThat(dest.runState()).isEqualTo(RunState.PAUSED);
        }
    }

    @Test
    void liveMachineWithWorkloadArrivesAsAtSwitchoverOverTcp() throws Exception {
        try (Machine source = TestMachines.runningSource("live", RAM, 2);
                Machine dest = TestMachines.destinationFor(source)) {
            Vcpu vcpu = source.startVcpu(
                    "vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.2), 7));
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            assertThat(vcpu.steps()).isPositive();
            assertThat(source.runState()).isEqualTo(RunState.POSTMIGRATE);
            StateAssertions.assertSameState(source, dest);
            assertThat(out.sourceFigures().status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(out.sourceFigures().iterations()).isGreaterThanOrEqualTo(1);
            assertThat(out.sourcePasses()).isNotEmpty();
        }
    }

    @Test
    void zeroPagesOverwriteAStaleDestinationAndFreshPagesAreLeftAlone() throws Exception {
        try (Machine source = TestMachines.runningSource("zeros", RAM, 3);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.halfZero(source.memory(), 3);
            // a page written with zero bytes is not known zero: the vectorized check must still find it zero
            source.memory().untracked().write(5L * GuestMemory.PAGE_SIZE, ByteBuffer.allocate(GuestMemory.PAGE_SIZE));
            long half = dest.memory().pages() / 2;
            MemoryFill.random(dest.memory(), 9, 0); // stale data where the source has zero pages
            dest.memory().untracked().zero(half * GuestMemory.PAGE_SIZE, 8L * GuestMemory.PAGE_SIZE); // and some zeroed
            source.pause();
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
            assertThat(out.sourceFigures().zeroPages())
                    .isGreaterThanOrEqualTo(source.memory().pages() / 2 + 1);
            assertThat(dest.memory().knownZero().isKnownZero(half, dest.memory().pages() - half))
                    .as("every zero page the destination wrote is known zero afterwards")
                    .isTrue();
        }
    }
}
