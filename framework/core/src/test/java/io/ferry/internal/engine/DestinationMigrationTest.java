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
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.MalformedFrameException;
import io.ferry.stream.StreamHeader;
import io.ferry.stream.StreamSink;
import io.ferry.stream.StreamTotals;
import io.ferry.transport.InMemoryTransport;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    /**
     * The switchover timeout bounds the source's silence, not this side's own work before END: a
     * LOAD_SETUP that took twice the timeout, with the source's frames already waiting, failed a
     * healthy migration as if the source had fallen silent.
     */
    @Test
    void theDestinationsOwnSlowHandlersAreNotTakenForASilentSource() throws Exception {
        MigrationPlugin slow = destinationPlugin(
                "slow", r -> r.on(Stage.LOAD_SETUP).id("slow.setup").priority(1).handler(ctx -> Thread.sleep(600)));
        MigrationParameters params = MigrationParameters.defaults().withSwitchoverTimeout(Duration.ofMillis(300));
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, PluginRegistry.of(slow), params, 3)) {
            assertThat(src.answers().next()).isEqualTo(new Frame.Accept());
            src.out().writePass(new Frame.Pass(0));
            src.out().writeEnd();
            assertThat(src.answers().next()).as("%s", src.in().failure()).isInstanceOf(Frame.Ack.class);
            src.out().writeCommit();

            src.in().await(Duration.ofSeconds(30));
            assertThat(src.in().status()).as("%s", src.in().failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    /**
     * The source waits for the ACK at most the switchover timeout from END, so a LOAD_COMPLETE that
     * runs longer fails the migration here too, before the ACK, and says so (rather than going on
     * to acknowledge a source that has given up).
     */
    @Test
    void aLoadCompleteThatRunsPastTheSwitchoverTimeoutFailsBeforeTheAck() throws Exception {
        MigrationPlugin slow = destinationPlugin(
                "slow",
                r -> r.on(Stage.LOAD_COMPLETE).id("slow.complete").priority(1).handler(ctx -> Thread.sleep(900)));
        MigrationParameters params = MigrationParameters.defaults().withSwitchoverTimeout(Duration.ofMillis(300));
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, PluginRegistry.of(slow), params, 5)) {
            assertThat(src.answers().next()).isEqualTo(new Frame.Accept());
            src.out().writePass(new Frame.Pass(0));
            src.out().writeEnd();

            src.in().await(Duration.ofSeconds(30));
            assertThat(src.in().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(src.in().failure().orElseThrow())
                    .hasMessageContaining("LOAD_COMPLETE ran past switchover-timeout (300 ms after END)");
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    /**
     * A plugin that leaves after the ACK cannot stop that attempt (the source may commit it); if
     * the source voids it, the next attempt must not go on without the plugin. The refused abort
     * was forgotten, and the machine ran with a plugin gone.
     */
    @Test
    void aPluginThatLeftDuringAnAcknowledgedAttemptFailsTheMigrationOnceTheAttemptIsVoided() throws Exception {
        MigrationPlugin leaving = destinationPlugin(
                "leaving",
                r -> r.on(Stage.LOAD_SETUP).id("leaving.setup").priority(1).handler(ctx -> {}));
        PluginRegistry registry = PluginRegistry.of(leaving);
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 4)) {
            assertThat(src.answers().next()).isEqualTo(new Frame.Accept());
            src.out().writePass(new Frame.Pass(0));
            src.out().writeEnd();
            assertThat(src.answers().next()).isInstanceOf(Frame.Ack.class);
            assertThat(registry.remove(leaving)).isTrue();
            src.goOnAsFarAsTheDestinationLets(
                    () -> {
                        src.out().writeVoid();
                        return true;
                    },
                    1); // before the fix: acknowledged and committed, without the plugin

            assertFailedForPluginLeft(src.in(), dest);
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

    /**
     * A plugin that leaves while the destination assembles its pipeline is not heard by the
     * registry listener (nothing is pinned yet): the migration went on with the departed plugin's
     * handlers, and the machine ran.
     */
    @Test
    void aPluginThatLeavesWhileThePipelineIsAssembledFailsTheIncomingMigration() throws Exception {
        CountDownLatch registering = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MigrationPlugin slowToRegister = destinationPlugin("slow-to-register", r -> {
            registering.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.on(Stage.LOAD_SETUP).id("slow-to-register.setup").priority(1).handler(ctx -> {});
        });
        PluginRegistry registry = PluginRegistry.of(slowToRegister);
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 6)) {
            assertThat(registering.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(registry.remove(slowToRegister)).isTrue();
            release.countDown();
            // before the fix: accepted, acknowledged and committed
            src.goOnAsFarAsTheDestinationLets(() -> src.answers().next() instanceof Frame.Accept, 0);

            assertFailedForPluginLeft(src.in(), dest);
        }
    }

    /**
     * Two plugins of one name (two versions of a bundle deployed side by side): the first is used
     * and the held-back one may leave meanwhile. Every migration was refused while both were there.
     */
    @Test
    void aHeldBackCopyOfAPluginThatLeavesDoesNotFailTheMigrationUsingTheFirst() throws Exception {
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        MigrationPlugin first = destinationPlugin(
                "dup", r -> r.on(Stage.LOAD_SETUP).id("dup.setup").priority(1).handler(ctx -> ran.add("first")));
        MigrationPlugin heldBack = destinationPlugin(
                "dup", r -> r.on(Stage.LOAD_SETUP).id("dup.setup").priority(1).handler(ctx -> ran.add("held back")));
        PluginRegistry registry = PluginRegistry.of(first, heldBack);
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 7)) {
            src.goOnAsFarAsTheDestinationLets(
                    () -> {
                        assertThat(src.answers().next()).isEqualTo(new Frame.Accept()); // pinned
                        assertThat(registry.remove(heldBack)).isTrue();
                        return true;
                    },
                    0);

            src.in().await(Duration.ofSeconds(30));
            assertThat(src.in().status()).as("%s", src.in().failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(ran).containsExactly("first");
        }
    }

    /**
     * The plugin in use leaves and the held-back copy takes its place: a migration that started
     * with the copy, before the registry's word of the departure reached it, is not failed by it.
     */
    @Test
    void aMigrationUsingTheCopyThatTookAPluginsPlaceIsNotFailedByTheDeparture() throws Exception {
        MigrationPlugin first = destinationPlugin("dup", r -> {});
        MigrationPlugin copy = destinationPlugin("dup", r -> {});
        PluginRegistry registry = PluginRegistry.of(first, copy);
        HeldWord word = HeldWord.of(registry);
        InMemoryTransport pipes = InMemoryTransport.open();
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            Migration in = incomingInSetup(registry, dest, pipes);
            Thread leaving = word.whileHeld(() -> registry.remove(first));

            assertCompletesWhenTheWordComesAfterThePin(in, pipes, word, leaving, 8);
        } finally {
            pipes.sourceEnd().close();
        }
    }

    /**
     * The plugin in use leaves and the same instance is added again (the embedding API, or a DS
     * unbind and bind of a singleton) before the word of its departure is out: a migration that
     * started with it, back in the registry, is not failed when that late word reaches it.
     */
    @Test
    void aMigrationStartedWithAPluginAddedAgainIsNotFailedByTheLateWordOfItsEarlierDeparture() throws Exception {
        MigrationPlugin plugin = destinationPlugin("again", r -> {});
        PluginRegistry registry = PluginRegistry.of(plugin);
        HeldWord word = HeldWord.of(registry);
        InMemoryTransport pipes = InMemoryTransport.open();
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            Migration in = incomingInSetup(registry, dest, pipes);
            Thread leaving = word.whileHeld(() -> registry.remove(plugin));
            registry.add(plugin); // the remove is past its lock: this add makes another entry
            assertThat(registry.snapshot()).containsExactly(plugin);

            // before the fix: FAILED, PluginLeftException for 'again' during the incoming migration
            assertCompletesWhenTheWordComesAfterThePin(in, pipes, word, leaving, 9);
        } finally {
            pipes.sourceEnd().close();
        }
    }

    /**
     * A plugin service ranked above the one in use arrives while a migration runs: that migration
     * goes on with the plugin it started with, and the next one uses the newcomer.
     */
    @Test
    void aHigherRankedPluginTakesOverOnlyForTheMigrationsThatStartAfterItArrives() throws Exception {
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        MigrationPlugin first = setupRecorder("first", ran);
        MigrationPlugin higher = setupRecorder("higher", ran);
        PluginRegistry registry = new PluginRegistry();
        registry.add(first, new PluginRegistry.ServiceRank(0, 1));
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 10)) {
            src.goOnAsFarAsTheDestinationLets(
                    () -> {
                        assertThat(src.answers().next()).isEqualTo(new Frame.Accept()); // pinned
                        registry.add(higher, new PluginRegistry.ServiceRank(5, 2));
                        return true;
                    },
                    0);

            src.in().await(Duration.ofSeconds(30));
            assertThat(src.in().status()).as("%s", src.in().failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(ran).containsExactly("first");
        }
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 11)) {
            src.goOnAsFarAsTheDestinationLets(() -> src.answers().next() instanceof Frame.Accept, 0);

            src.in().await(Duration.ofSeconds(30));
            assertThat(src.in().status()).as("%s", src.in().failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(ran).containsExactly("first", "higher");
        }
    }

    /** Held back since a higher-ranked one arrived, the plugin a migration started with still fails it by leaving. */
    @Test
    void aPluginDisplacedByAHigherRankedOneFailsTheMigrationThatStartedWithItWhenItLeaves() throws Exception {
        MigrationPlugin first = setupRecorder("first", new java.util.ArrayList<>());
        MigrationPlugin higher = setupRecorder("higher", new java.util.ArrayList<>());
        PluginRegistry registry = new PluginRegistry();
        registry.add(first, new PluginRegistry.ServiceRank(0, 1));
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 12)) {
            src.goOnAsFarAsTheDestinationLets(
                    () -> {
                        assertThat(src.answers().next()).isEqualTo(new Frame.Accept()); // pinned
                        registry.add(higher, new PluginRegistry.ServiceRank(5, 2));
                        assertThat(registry.heldBack()).containsExactly(first);
                        assertThat(registry.remove(first, new PluginRegistry.ServiceRank(0, 1)))
                                .isTrue();
                        return true;
                    },
                    0);

            assertFailedForPluginLeft(src.in(), dest);
        }
    }

    /**
     * A higher-ranked plugin that arrives while the pipeline is assembled, before it is pinned: the
     * migration keeps the plugin it was assembled from, which is held back now but still here.
     */
    @Test
    void aHigherRankedPluginArrivingWhileThePipelineIsAssembledDoesNotFailTheMigration() throws Exception {
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch registering = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MigrationPlugin first = destinationPlugin("dup", r -> {
            registering.countDown();
            await(release);
            r.on(Stage.LOAD_SETUP).id("dup.setup").priority(1).handler(ctx -> ran.add("first"));
        });
        PluginRegistry registry = new PluginRegistry();
        registry.add(first, new PluginRegistry.ServiceRank(0, 1));
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src = HandWrittenSource.start(dest, registry, MigrationParameters.defaults(), 13)) {
            assertThat(registering.await(30, TimeUnit.SECONDS)).isTrue();
            registry.add(setupRecorder("higher", ran), new PluginRegistry.ServiceRank(5, 2));
            release.countDown();
            // before: FAILED, PluginLeftException, as if the plugin held back now had left
            src.goOnAsFarAsTheDestinationLets(() -> src.answers().next() instanceof Frame.Accept, 0);

            src.in().await(Duration.ofSeconds(30));
            assertThat(src.in().status()).as("%s", src.in().failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(ran).containsExactly("first");
        }
    }

    /** A destination plugin named "dup" whose LOAD_SETUP handler records {@code label} in {@code ran}. */
    private static MigrationPlugin setupRecorder(String label, List<String> ran) {
        return destinationPlugin(
                "dup", r -> r.on(Stage.LOAD_SETUP).id("dup.setup").priority(1).handler(ctx -> ran.add(label)));
    }

    /**
     * Holds back the registry's word of a departure: a listener added ahead of the migrations'
     * waits in it, so the word reaches them only when released.
     */
    private record HeldWord(CountDownLatch telling, CountDownLatch goOn) {
        static HeldWord of(PluginRegistry registry) {
            HeldWord word = new HeldWord(new CountDownLatch(1), new CountDownLatch(1));
            registry.addListener(p -> {
                word.telling().countDown();
                await(word.goOn());
            });
            return word;
        }

        /** Starts {@code removal} on a thread of its own and returns it once its word is held. */
        Thread whileHeld(Runnable removal) throws InterruptedException {
            Thread leaving = new Thread(removal, "leaving");
            leaving.start();
            assertThat(telling.await(30, TimeUnit.SECONDS))
                    .as("the word is out")
                    .isTrue();
            return leaving;
        }

        /** Lets the word on and waits until every listener has heard it. */
        void release(Thread leaving) throws InterruptedException {
            goOn.countDown();
            leaving.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(leaving.isAlive()).as("the word still on its way").isFalse();
        }
    }

    /** An incoming migration whose registry listener is in place (it is in SETUP), waiting for its source. */
    private static Migration incomingInSetup(PluginRegistry registry, Machine dest, InMemoryTransport pipes)
            throws InterruptedException {
        CountDownLatch listening = new CountDownLatch(1);
        io.ferry.migration.MigrationListener setup = new io.ferry.migration.MigrationListener() {
            @Override
            public void statusChanged(Migration m, MigrationStatus from, MigrationStatus to) {
                listening.countDown(); // SETUP: its registry listener is in place
            }
        };
        Migration in =
                new Migrator(registry).incoming(dest, pipes.destinationEnd(), MigrationParameters.defaults(), setup);
        assertThat(listening.await(30, TimeUnit.SECONDS)).isTrue();
        return in;
    }

    /**
     * Sends the MANIFEST, so the migration pins its pipeline, then lets the held word of a
     * departure reach it, then PASS, END and COMMIT: it must complete.
     */
    private static void assertCompletesWhenTheWordComesAfterThePin(
            Migration in, InMemoryTransport pipes, HeldWord word, Thread leaving, long stream) throws Exception {
        FrameWriter out = new FrameWriter(pipes.sourceEnd().output(), 1 << 20);
        out.writeHeader(StreamHeader.singleChannel(stream));
        out.writeManifest(new Frame.Manifest(List.of()));
        io.ferry.stream.FrameReader answers =
                new io.ferry.stream.FrameReader(pipes.sourceEnd().input(), 1 << 16);
        assertThat(answers.next()).isEqualTo(new Frame.Accept()); // pinned
        word.release(leaving); // the migration has heard of the departure
        try {
            out.writePass(new Frame.Pass(0));
            out.writeEnd();
            if (answers.next() instanceof Frame.Ack) {
                out.writeCommit();
            }
        } catch (java.io.IOException cutByTheDestination) {
            // it closed the connection as it failed
        }

        in.await(Duration.ofSeconds(30));
        assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertFailedForPluginLeft(Migration in, Machine dest) throws Exception {
        in.await(Duration.ofSeconds(30));
        assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(in.failure().orElseThrow()).isInstanceOf(io.ferry.migration.PluginLeftException.class);
        assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
    }

    /**
     * After the ACK the source may have committed, so a frame out of place there leaves this side
     * in doubt, as a cut stream does; a PING there made it FAILED, discarding a machine the source
     * may have handed over.
     */
    @Test
    void aFrameOutOfPlaceAfterTheAckLeavesTheDestinationInDoubt() throws Exception {
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                HandWrittenSource src =
                        HandWrittenSource.start(dest, new PluginRegistry(), MigrationParameters.defaults(), 0xD0B7)) {
            src.out().writePass(new Frame.Pass(0));
            src.out().writeEnd();
            assertThat(src.answers().next()).isInstanceOf(Frame.Accept.class);
            assertThat(src.answers().next()).isInstanceOf(Frame.Ack.class);
            src.out().writePing(new Frame.Ping(1));

            Migration in = src.in();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (in.status() != MigrationStatus.IN_DOUBT && !in.status().isTerminal()) {
                assertThat(System.nanoTime() - deadline)
                        .as("still %s after 30 s", in.status())
                        .isNegative();
                Thread.sleep(1);
            }
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.IN_DOUBT);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            assertThat(in.resolve(new SwitchoverDecision(0xD0B7, Verdict.ABORTED)))
                    .isTrue();
            in.await(Duration.ofSeconds(30));
            assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
        }
    }

    /**
     * The source writes nothing on channels 1.. after their last SEGMENT until it has the ACK, so a
     * chunk there that reached this side before the ACK was added to the stream: the migration
     * fails before the ACK. END checks only what was taken or read when END is taken; a chunk read
     * after that, while LOAD_COMPLETE ran, was found only after the ACK, as a frame out of place,
     * and left this side IN_DOUBT about a stream it could have refused.
     */
    @Test
    void aChunkAddedOnChannelOneAfterEndWasTakenFailsTheMigrationBeforeTheAck() throws Exception {
        CountDownLatch completing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MigrationPlugin holding = destinationPlugin(
                "holding",
                r -> r.on(Stage.LOAD_COMPLETE)
                        .id("holding.complete")
                        .priority(1)
                        .handler(ctx -> {
                            completing.countDown(); // END was taken: its check is behind us
                            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                        }));
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20));
                IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
                Socket zero = connect(endpoint);
                Socket one = connect(endpoint)) {
            DestinationMigration in = (DestinationMigration)
                    new Migrator(PluginRegistry.of(holding)).incoming(dest, endpoint, MigrationParameters.defaults());
            FrameWriter w0 = socketWriter(zero);
            FrameWriter w1 = socketWriter(one);
            w0.writeHeader(StreamHeader.channel(0, 2, 0xADD));
            w1.writeHeader(StreamHeader.channel(1, 2, 0xADD));
            w0.writeManifest(new Frame.Manifest(List.of()));
            io.ferry.stream.FrameReader answers =
                    new io.ferry.stream.FrameReader(Channels.newChannel(zero.getInputStream()), 1 << 16);
            assertThat(answers.next()).isEqualTo(new Frame.Accept());
            w1.writeSegment(0);
            w0.writePass(new Frame.Pass(0));
            w0.writeEnd();
            assertThat(completing.await(30, TimeUnit.SECONDS))
                    .as("LOAD_COMPLETE reached")
                    .isTrue();
            byte[] added = "a chunk added after END was taken".getBytes(StandardCharsets.UTF_8);
            w1.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(added)}, 0, 1); // CRC-valid
            awaitReceived(in, w0.bytesWritten() + w1.bytesWritten());
            release.countDown();

            assertThat(answers.next())
                    .as("refused before the ACK")
                    .isInstanceOfSatisfying(
                            Frame.Error.class,
                            e -> assertThat(e.message())
                                    .contains("channel 1 carried", "after its last SEGMENT", "before the ACK"));
            in.await(Duration.ofSeconds(30));
            assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(in.failure().orElseThrow()).hasRootCauseInstanceOf(MalformedFrameException.class);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    /** Waits until the destination has read {@code bytes} over all its channels (bounded). */
    private static void awaitReceived(DestinationMigration in, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (in.bytesReceived() < bytes) {
            assertThat(System.nanoTime() - deadline)
                    .as("%s of %s bytes read after 30 s", in.bytesReceived(), bytes)
                    .isNegative();
            Thread.sleep(1);
        }
    }

    private static Socket connect(IncomingEndpoint endpoint) throws java.io.IOException {
        MigrationUri.Tcp at = (MigrationUri.Tcp) endpoint.address();
        Socket s = new Socket(at.host(), at.port());
        s.setSoTimeout(30_000);
        return s;
    }

    /** Frames written to {@code s}, each flushed as written. */
    private static FrameWriter socketWriter(Socket s) throws java.io.IOException {
        return new FrameWriter(new StreamSink(s.getOutputStream()), 1 << 20);
    }

    /** A destination fed by a source written by hand over in-memory pipes, up to its MANIFEST (of no section). */
    private record HandWrittenSource(
            InMemoryTransport pipes, Migration in, FrameWriter out, io.ferry.stream.FrameReader answers)
            implements AutoCloseable {
        static HandWrittenSource start(Machine dest, PluginRegistry registry, MigrationParameters params, long stream)
                throws java.io.IOException {
            InMemoryTransport pipes = InMemoryTransport.open();
            Migration in = new Migrator(registry).incoming(dest, pipes.destinationEnd(), params);
            FrameWriter out = new FrameWriter(pipes.sourceEnd().output(), 1 << 20);
            out.writeHeader(StreamHeader.singleChannel(stream));
            out.writeManifest(new Frame.Manifest(List.of()));
            return new HandWrittenSource(
                    pipes,
                    in,
                    out,
                    new io.ferry.stream.FrameReader(pipes.sourceEnd().input(), 1 << 16));
        }

        /** A step of the source that says whether to go on. */
        interface Step {
            boolean run() throws java.io.IOException;
        }

        /**
         * After {@code first}: PASS {@code pass}, END, and COMMIT if acknowledged, as long as the
         * destination keeps the connection open (one that fails closes it).
         */
        void goOnAsFarAsTheDestinationLets(Step first, int pass) {
            try {
                if (first.run()) {
                    out.writePass(new Frame.Pass(pass));
                    out.writeEnd();
                    if (answers.next() instanceof Frame.Ack) {
                        out.writeCommit();
                    }
                }
            } catch (java.io.IOException cutByTheDestination) {
                // it closed the connection as it failed
            }
        }

        @Override
        public void close() throws java.io.IOException {
            pipes.sourceEnd().close();
        }
    }

    /** A plugin with destination handlers only. */
    private static MigrationPlugin destinationPlugin(String name, java.util.function.Consumer<Registrar> register) {
        return new MigrationPlugin() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void registerSource(Registrar r) {}

            @Override
            public void registerDestination(Registrar r) {
                register.accept(r);
            }
        };
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
