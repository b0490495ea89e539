package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.RunState;
import io.ferry.machine.Vcpu;
import io.ferry.migration.HandlerFailedException;
import io.ferry.migration.LateDirtyException;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationCancelledException;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.FailingPlugin;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.MigrationRun;
import io.ferry.testkit.StageGatePlugin;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A failed or cancelled migration leaves the source running with nothing lost, whatever the stage. */
class MigrationFailureTest {
    private static final long RAM = 32L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The source runs as before, RAM unchanged, dirty logging off; the destination never ran. */
    private static void assertSourceUnharmed(Machine source, String digestBefore, Machine destination) {
        assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
        assertThat(source.memory().digest()).isEqualTo(digestBefore);
        assertThat(destination.runState()).isEqualTo(RunState.INMIGRATE);
    }

    /**
     * A destination that sent its ACK after the source was cancelled cannot tell a cancel from a lost
     * COMMIT: it is in doubt until given the source's decision, which must be ABORTED (given here,
     * or heard from the source's decision port by the destination itself, whichever comes first).
     */
    private static void resolveIfInDoubt(Migration source, Migration destination) throws InterruptedException {
        Await.until(
                WAIT,
                () -> destination.status().isTerminal() || destination.status() == MigrationStatus.IN_DOUBT,
                () -> "destination still " + destination.status());
        if (destination.status() == MigrationStatus.IN_DOUBT) {
            SwitchoverDecision decision = source.decision().orElseThrow();
            assertThat(decision.verdict()).isEqualTo(SwitchoverDecision.Verdict.ABORTED);
            if (!destination.resolve(decision)) {
                // It asked the source's decision port itself in the meantime: it must have heard the same.
                Await.until(
                        WAIT,
                        () -> destination.status().isTerminal(),
                        () -> "destination still " + destination.status());
                assertThat(destination.decision().map(SwitchoverDecision::verdict))
                        .contains(SwitchoverDecision.Verdict.ABORTED);
            }
        }
    }

    enum HoldAt {
        SETUP(Stage.SETUP, MigrationStatus.SETUP),
        ITERATE(Stage.ITERATE, MigrationStatus.ACTIVE),
        COMPLETE(Stage.COMPLETE, MigrationStatus.DEVICE),
        AWAITING_ACK(Stage.LOAD_COMPLETE, MigrationStatus.DEVICE);

        final Stage stage;
        final MigrationStatus sourceStatus;

        HoldAt(Stage stage, MigrationStatus sourceStatus) {
            this.stage = stage;
            this.sourceStatus = sourceStatus;
        }
    }

    @ParameterizedTest
    @EnumSource(HoldAt.class)
    void cancelInEveryStateResumesTheSource(HoldAt at) throws Exception {
        try (Machine source = TestMachines.runningSource("cancel", RAM, 1);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            StageGatePlugin gate = new StageGatePlugin(at.stage);
            MigrationRun run = Harness.between(source, dest)
                    .plugins(new RamPlugin(), gate)
                    .transport(TransportKind.TCP)
                    .start();
            gate.awaitArrival(WAIT);
            assertThat(run.source().status()).isEqualTo(at.sourceStatus);

            assertThat(run.source().cancel()).isTrue();
            gate.release();
            run.source().await(WAIT);
            resolveIfInDoubt(run.source(), run.destination());
            MigrationOutcome out = run.await(WAIT);

            assertThat(out.source().status()).isEqualTo(MigrationStatus.CANCELLED);
            assertThat(out.source().failure().orElseThrow()).isInstanceOf(MigrationCancelledException.class);
            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().cancel()).isFalse(); // already terminal
            assertSourceUnharmed(source, before, dest);
        }
    }

    @Test
    void cancellingTheDestinationFailsTheSourceWhichResumes() throws Exception {
        try (Machine source = TestMachines.runningSource("dcancel", RAM, 2);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            StageGatePlugin gate = new StageGatePlugin(Stage.LOAD_COMPLETE);
            MigrationRun run =
                    Harness.between(source, dest).plugins(new RamPlugin(), gate).start();
            gate.awaitArrival(WAIT);
            assertThat(run.destination().cancel()).isTrue();
            MigrationOutcome out = run.await(WAIT);
            assertThat(out.destination().status()).isEqualTo(MigrationStatus.CANCELLED);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertSourceUnharmed(source, before, dest);
        }
    }

    @Test
    void cancelAfterCompletionIsRefused() throws Exception {
        try (Machine source = TestMachines.runningSource("late", RAM, 3);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .run(WAIT)
                    .assertCompleted();
            assertThat(out.source().cancel()).isFalse();
            assertThat(source.runState()).isEqualTo(RunState.POSTMIGRATE);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Stage.class,
            names = {"SETUP", "DIRTY_SYNC", "ITERATE", "COMPLETE"})
    void aHandlerThrowingAtAnySourceStageFailsNamingItAndTheSourceRuns(Stage stage) throws Exception {
        try (Machine source = TestMachines.runningSource("throw", RAM, 4);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            FailingPlugin failing = new FailingPlugin(stage);
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), failing)
                    .run(WAIT);

            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(HandlerFailedException.class)
                    .hasMessageContaining(failing.handlerId())
                    .hasMessageContaining(stage.name())
                    .hasMessageContaining(FailingPlugin.MESSAGE);
            assertThat(failing.calls()).isEqualTo(1);
            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.destination().failure().orElseThrow())
                    .hasMessageContaining("the source failed")
                    .hasMessageContaining(failing.handlerId());
            assertSourceUnharmed(source, before, dest);
        }
    }

    @Test
    void aVcpuKeepsRunningAfterAFailedMigration() throws Exception {
        try (Machine source = TestMachines.runningSource("vcpu", RAM, 5);
                Machine dest = TestMachines.destinationFor(source)) {
            Vcpu vcpu = source.startVcpu(
                    "v0", 5_000, new PageDirtier(source.memory(), new io.ferry.machine.DirtyPattern.Uniform(), 5));
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), new FailingPlugin(Stage.COMPLETE))
                    .run(WAIT);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            long steps = vcpu.steps();
            Await.until(WAIT, () -> vcpu.steps() > steps + 100, "the vCPU to keep running after the failure");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void aThrowingCleanupHandlerDoesNotUndoACompletedMigration() throws Exception {
        try (Machine source = TestMachines.runningSource("cleanup", RAM, 6);
                Machine dest = TestMachines.destinationFor(source)) {
            Harness.between(source, dest)
                    .plugins(new RamPlugin(), new FailingPlugin(Stage.CLEANUP))
                    .run(WAIT)
                    .assertCompleted();
            StateAssertions.assertSameState(source, dest);
            assertThat(source.memory().dirtyLog().isEnabled()).isFalse();
        }
    }

    /** Writes guest RAM through the vCPU path from a COMPLETE handler at a chosen priority. */
    private static final class Scribbler implements MigrationPlugin {
        private final int priority;

        Scribbler(int priority) {
            this.priority = priority;
        }

        @Override
        public String name() {
            return "scribbler";
        }

        @Override
        public void registerSource(Registrar r) {
            r.on(Stage.COMPLETE)
                    .id("scribbler.write")
                    .priority(priority)
                    .handler(ctx -> ctx.machine().memory().tracked().writeLong(12_288, 0xFEED_FACE_CAFE_BEEFL));
        }
    }

    @Test
    void aHandlerWritingGuestRamAfterRamsFinalPassFailsTheMigrationNamingIt() throws Exception {
        try (Machine source = TestMachines.runningSource("late-dirty", RAM, 7);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), new Scribbler(Priority.AFTER_RAM))
                    .run(WAIT);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(LateDirtyException.class)
                    .hasMessageContaining("scribbler.write")
                    .hasMessageContaining("after RAM's final pass");
            assertThat(((LateDirtyException) out.source().failure().orElseThrow()).handlerId())
                    .isEqualTo("scribbler.write");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    @Test
    void theSameWriteOrderedBeforeRamReachesTheDestination() throws Exception {
        try (Machine source = TestMachines.runningSource("early", RAM, 8);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin(), new Scribbler(Priority.BEFORE_RAM))
                    .run(WAIT)
                    .assertCompleted();
            assertThat(out.source().pipeline().orElseThrow().order(Stage.COMPLETE))
                    .containsExactly("scribbler.write", "ram.final");
            assertThat(dest.memory().untracked().readLong(12_288)).isEqualTo(0xFEED_FACE_CAFE_BEEFL);
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void aPluginLeavingMidMigrationFailsItCleanly() throws Exception {
        try (Machine source = TestMachines.runningSource("leave", RAM, 9);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            StageGatePlugin gate = new StageGatePlugin(Stage.ITERATE);
            PluginRegistry sourcePlugins = PluginRegistry.of(new RamPlugin(), gate);
            MigrationRun run = Harness.between(source, dest)
                    .sourcePlugins(sourcePlugins)
                    .destinationPlugins(PluginRegistry.of(new RamPlugin()))
                    .start();
            gate.awaitArrival(WAIT);
            sourcePlugins.remove(gate);
            MigrationOutcome out = run.await(WAIT);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(io.ferry.migration.PluginLeftException.class)
                    .hasMessageContaining("plugin gate left during the migration");
            assertSourceUnharmed(source, before, dest);

            // The next migration pins the registry as it is now, without the gate.
            Machine second = TestMachines.destinationFor(source);
            Migration again = Harness.between(source, second)
                    .sourcePlugins(sourcePlugins)
                    .destinationPlugins(PluginRegistry.of(new RamPlugin()))
                    .run(WAIT)
                    .assertCompleted()
                    .source();
            assertThat(again.pipeline().orElseThrow().plugins()).containsExactly("ram");
            StateAssertions.assertSameState(source, second);
            second.close();
        }
    }

    @Test
    void aMachineInAMigrationRefusesASecondOneAndOutsideRunStateChanges() throws Exception {
        try (Machine source = TestMachines.runningSource("claimed", RAM, 10);
                Machine dest = TestMachines.destinationFor(source)) {
            StageGatePlugin gate = new StageGatePlugin(Stage.ITERATE);
            MigrationRun run =
                    Harness.between(source, dest).plugins(new RamPlugin(), gate).start();
            gate.awaitArrival(WAIT);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> new io.ferry.migration.Migrator(PluginRegistry.of(new RamPlugin()))
                                    .migrate(
                                            source,
                                            new io.ferry.transport.MigrationUri.Tcp("127.0.0.1", 1),
                                            io.ferry.migration.MigrationParameters.defaults()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already in a migration");
            org.assertj.core.api.Assertions.assertThatThrownBy(source::pause)
                    .hasMessageContaining("its run state belongs to the migration");
            gate.release();
            run.await(WAIT).assertCompleted();
            assertThat(source.isClaimed()).isFalse();
            assertThat(dest.isClaimed()).isFalse();
            StateAssertions.assertSameState(source, dest);
        }
    }

    @Test
    void aPluginLeavingTheDestinationFailsTheIncomingMigrationAndTheSourceResumes() throws Exception {
        try (Machine source = TestMachines.runningSource("dleave", RAM, 11);
                Machine dest = TestMachines.destinationFor(source)) {
            String before = source.memory().digest();
            StageGatePlugin gate = new StageGatePlugin(Stage.LOAD_COMPLETE);
            PluginRegistry destPlugins = PluginRegistry.of(new RamPlugin(), gate);
            MigrationRun run = Harness.between(source, dest)
                    .sourcePlugins(PluginRegistry.of(new RamPlugin()))
                    .destinationPlugins(destPlugins)
                    .start();
            gate.awaitArrival(WAIT);
            destPlugins.remove(gate);
            MigrationOutcome out = run.await(WAIT);
            assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(out.destination().failure().orElseThrow())
                    .isInstanceOf(io.ferry.migration.PluginLeftException.class)
                    .hasMessageContaining("plugin gate left during the incoming migration");
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertSourceUnharmed(source, before, dest);
        }
    }
}
