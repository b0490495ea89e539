package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.stream.StreamTotals;
import io.ferry.transport.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The destination against a hand-written source stream. */
class DestinationMigrationTest {

    @Test
    void aSourceThatFallsSilentIsGivenUpOnAfterTheTimeoutAndTheMachineNeverRuns() throws Exception {
        InMemoryTransport pipes = InMemoryTransport.open();
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            MigrationParameters params = MigrationParameters.defaults().withSwitchoverTimeout(Duration.ofMillis(300));
            Migration in = new Migrator(new PluginRegistry()).incoming(dest, pipes.destinationEnd(), params);
            FrameWriter source = new FrameWriter(pipes.sourceEnd().output(), 1 << 20);
            source.writeHeader(StreamHeader.singleChannel(1));
            source.writeManifest(new Frame.Manifest(List.of()));
            // ... and then nothing, without closing the connection (a host that vanished)

            in.await(Duration.ofSeconds(30));
            assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(in.failure().orElseThrow())
                    .isInstanceOf(io.ferry.migration.PeerSilentException.class)
                    .hasMessageContaining("the source sent nothing for 300 ms");
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            assertThat(dest.isClaimed()).isFalse();
        } finally {
            pipes.sourceEnd().close();
        }
    }

    @Test
    void anEmptyStreamLoadsAndRunsOnlyAfterCommit() throws Exception {
        InMemoryTransport pipes = InMemoryTransport.open();
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            Migration in = new Migrator(new PluginRegistry())
                    .incoming(dest, pipes.destinationEnd(), MigrationParameters.defaults());
            FrameWriter source = new FrameWriter(pipes.sourceEnd().output(), 1 << 20);
            source.writeHeader(StreamHeader.singleChannel(2));
            source.writeManifest(new Frame.Manifest(List.of()));
            io.ferry.stream.FrameReader answers =
                    new io.ferry.stream.FrameReader(pipes.sourceEnd().input(), 1 << 16);
            assertThat(answers.next()).as("the manifest's answer").isEqualTo(new Frame.Accept());
            source.writePass(new Frame.Pass(0));
            source.writeEnd();
            Frame.Ack ack = (Frame.Ack) answers.next();
            assertThat(ack.totals()).isEqualTo(new StreamTotals(2, 0));
            assertThat(ack.marks()).extracting(Frame.Mark::name).containsExactly("end-read", "ack-written");
            assertThat(in.cancel())
                    .as("past the point of no return once acknowledged")
                    .isFalse();
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            source.writeCommit();
            in.await(Duration.ofSeconds(30));
            assertThat(in.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
        } finally {
            pipes.sourceEnd().close();
        }
    }

    /** The source acknowledged-to falls silent without closing (a frozen host): in doubt, not stuck, not run. */
    @ParameterizedTest
    @EnumSource(Verdict.class)
    void aSourceSilentAfterTheAckLeavesTheDestinationInDoubtUntilResolved(Verdict verdict) throws Exception {
        InMemoryTransport pipes = InMemoryTransport.open();
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            MigrationParameters params = MigrationParameters.defaults().withSwitchoverTimeout(Duration.ofMillis(300));
            Migration in = new Migrator(new PluginRegistry()).incoming(dest, pipes.destinationEnd(), params);
            FrameWriter source = new FrameWriter(pipes.sourceEnd().output(), 1 << 20);
            source.writeHeader(StreamHeader.singleChannel(0x5eed));
            source.writeManifest(new Frame.Manifest(List.of()));
            source.writePass(new Frame.Pass(0));
            source.writeEnd();
            io.ferry.stream.FrameReader answers =
                    new io.ferry.stream.FrameReader(pipes.sourceEnd().input(), 1 << 16);
            assertThat(answers.next()).isInstanceOf(Frame.Accept.class); // the manifest
            assertThat(answers.next()).isInstanceOf(Frame.Ack.class);
            // ... and then nothing, without closing the connection

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (in.status() != MigrationStatus.IN_DOUBT) { // bounded: the testkit's Await is not on core's path
                assertThat(System.nanoTime() - deadline)
                        .as("still %s after 30 s", in.status())
                        .isNegative();
                Thread.sleep(1);
            }
            assertThat(in.streamId()).hasValue(0x5eed);
            assertThat(in.cancel()).isFalse();
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            assertThat(dest.isClaimed())
                    .as("the machine stays held while in doubt")
                    .isTrue();

            assertThat(in.resolve(new SwitchoverDecision(0x5eed, verdict))).isTrue();
            in.await(Duration.ofSeconds(30));
            assertThat(in.decision()).hasValue(new SwitchoverDecision(0x5eed, verdict));
            assertThat(in.resolve(new SwitchoverDecision(0x5eed, verdict)))
                    .as("resolved once")
                    .isFalse();
            if (verdict == Verdict.COMMITTED) {
                assertThat(in.status()).isEqualTo(MigrationStatus.COMPLETED);
                assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
            } else {
                assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(in.failure().orElseThrow()).hasMessageContaining("the source aborted");
                assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            }
            assertThat(dest.isClaimed()).isFalse();
        } finally {
            pipes.sourceEnd().close();
        }
    }
}
