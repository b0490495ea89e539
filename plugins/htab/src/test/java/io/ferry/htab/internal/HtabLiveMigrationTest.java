package io.ferry.htab.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.htab.HtabGeometry;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.DestinationFailedException;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.SectionRefusedException;
import io.ferry.pipeline.DeviceModel;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtabLiveMigrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void tableArrivesAsAtSwitchoverWithHtabBytesInEveryPass() throws Exception {
        HtabPlugin plugin = new HtabPlugin();
        DeviceModel model = plugin.deviceModels().get(0);
        int cap = 3;
        try (Machine source = TestMachines.runningSource("htab-live", 32L << 20, 21);
                Machine dest = TestMachines.destinationFor(source)) {
            HtabDevice src = (HtabDevice) model.attachToSource(source, 21);
            model.attachToDestination(dest);
            awaitUpdates(src, 100);
            UpdatesAfterEachPass updates = new UpdatesAfterEachPass(source, src, 32, cap);
            // A zero downtime limit never converges while entries change: exactly `cap` passes run.
            MigrationParameters params = MigrationParameters.defaults()
                    .withRunOnDestination(false)
                    .withDowntimeLimit(Duration.ZERO)
                    .withIterationCap(cap);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin)
                    .parameters(params)
                    .listenSource(updates)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT)
                    .assertCompleted();

            updates.assertHeldAfterEveryPass();
            assertThat(out.sourceFigures().iterations()).isEqualTo(cap);
            List<PassProgress> passes = out.sourcePasses();
            assertThat(passes).extracting(PassProgress::pass).containsExactly(0, 1, 2, 3, 4);
            for (PassProgress p : passes) {
                assertThat(p.sectionBytes().getOrDefault("htab", 0L))
                        .as("htab bytes in pass %s", p.pass())
                        .isPositive();
            }
            assertThat(passes.get(1).sectionBytes().get("htab"))
                    .as("pass 1 carries the whole table")
                    .isGreaterThan(HtabGeometry.DEFAULT_TABLE_BYTES);
            StateAssertions.assertSameState(source, dest);
            assertThat(source.runState()).isEqualTo(RunState.POSTMIGRATE);
        }
    }

    @Test
    void dirtyingFasterThanTheBandwidthEndsAtTheIterationCapWithTheStateIntact() throws Exception {
        HtabPlugin plugin = new HtabPlugin();
        int cap = 3;
        long bandwidth = 8L << 20;
        try (Machine source = TestMachines.runningSource("htab-capped", 4L << 20, 22);
                Machine dest = TestMachines.destinationFor(source)) {
            // 8 MiB of table, 2048 groups, rewritten 40,000 times a second: far more changes per second than 8 MiB/s
            // carries.
            HtabConfig config = new HtabConfig(new HtabGeometry(8L << 20), 40_000);
            HtabDevice src = HtabDevice.attachToSource(source, config, 22);
            HtabDevice.attachToDestination(dest, config);
            awaitUpdates(src, 1_000);
            MigrationParameters params = MigrationParameters.defaults()
                    .withRunOnDestination(false)
                    .withMaxBandwidth(bandwidth)
                    .withIterationCap(cap);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin)
                    .parameters(params)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT)
                    .assertCompleted();

            assertThat(out.sourceFigures().status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(out.sourceFigures().iterations()).isEqualTo(cap);
            List<PassProgress> passes = out.sourcePasses();
            assertThat(passes).extracting(PassProgress::pass).containsExactly(0, 1, 2, 3, 4);
            MigrationFigures lastIterative = passes.get(cap).figures();
            assertThat(lastIterative.remainingBytes()).as("pending at the cap").isGreaterThan(bandwidth / 2);
            assertThat(lastIterative.expectedDowntimeMillis())
                    .as("expected downtime at the cap")
                    .isGreaterThan(MigrationParameters.DEFAULT_DOWNTIME_LIMIT.toMillis());
            for (PassProgress p : passes) {
                assertThat(p.sectionBytes().getOrDefault("htab", 0L))
                        .as("htab bytes in pass %s", p.pass())
                        .isPositive();
            }
            for (PassProgress p : passes.subList(1, cap + 1)) {
                long passBytes = p.sectionBytes().values().stream()
                        .mapToLong(Long::longValue)
                        .sum();
                assertThat(passBytes)
                        .as("bytes of pass %s within its budget", p.pass())
                        .isLessThanOrEqualTo(bandwidth + (64 << 10));
            }
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void destinationWithAnotherTableSizeRefusesAndTheSourceRunsOn() throws Exception {
        try (Machine source = TestMachines.runningSource("htab-sizes", 4L << 20, 23);
                Machine dest = TestMachines.destinationFor(source)) {
            HtabDevice src = HtabDevice.attachToSource(source, new HtabConfig(new HtabGeometry(1L << 20), 5_000), 23);
            HtabDevice.attachToDestination(dest, new HtabConfig(new HtabGeometry(2L << 20), 5_000));

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), new HtabPlugin())
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT);

            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.destination().failure().orElseThrow().getMessage())
                    .contains("htab.load", "source htab is 1048576 bytes, destination's is 2097152 bytes");
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            awaitUpdates(src, src.updates() + 100);
        }
    }

    /** Issue 10: a destination with the htab plugin but no htab device says which device to attach. */
    @Test
    void aDestinationWithThePluginButNotTheDeviceNamesTheMissingDevice() throws Exception {
        HtabPlugin plugin = new HtabPlugin();
        try (Machine source = TestMachines.runningSource("htab-nodev", 4L << 20, 23);
                Machine dest = TestMachines.destinationFor(source)) {
            plugin.deviceModels().get(0).attachToSource(source, 23);

            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), plugin)
                    .transport(TransportKind.TCP)
                    .run(TIMEOUT);

            String missing = "section htab/0 v1 has no handler on the destination: machine " + dest.name()
                    + " lacks the device of plugin htab (device model htab): attach it before the migration";
            assertThat(out.destination().failure().orElseThrow())
                    .isInstanceOf(SectionRefusedException.class)
                    .hasMessageContaining(missing);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(DestinationFailedException.class)
                    .hasMessageContaining(missing);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    static void awaitUpdates(HtabDevice device, long updates) throws InterruptedException {
        Await.until(Duration.ofSeconds(15), () -> device.updates() >= updates, () -> updates + " updates: " + device);
    }
}
