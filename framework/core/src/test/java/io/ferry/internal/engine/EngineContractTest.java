package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.DirtyLogSource;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.PassProgress;
import io.ferry.migration.SourceFailedException;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Outcome;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Stage;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the engine promises plugins and users, over real loopback TCP with small machines and one-handler plugins. */
class EngineContractTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final SectionId V1 = SectionId.of("blob", 0, 1);
    private static final SectionId V3 = SectionId.of("blob", 0, 3);

    private static MigrationPlugin plugin(Consumer<Registrar> source, Consumer<Registrar> destination) {
        return new MigrationPlugin() {
            @Override
            public String name() {
                return "blob";
            }

            @Override
            public void registerSource(Registrar r) {
                source.accept(r);
            }

            @Override
            public void registerDestination(Registrar r) {
                destination.accept(r);
            }
        };
    }

    /** A source that sends one 100-byte chunk of section {@code sent} at SETUP; the destination loads it as {@code loaded}. */
    private static MigrationPlugin blob(SectionId sent, SectionId loaded, List<Object> seen) {
        return plugin(
                r -> r.on(Stage.SETUP)
                        .id("blob.send")
                        .priority(1)
                        .section(sent)
                        .handler(ctx -> ctx.chunks().emit(ByteBuffer.allocate(100))),
                r -> r.on(Stage.LOAD)
                        .id("blob.load")
                        .priority(1)
                        .section(loaded)
                        .loader((ctx, payload) -> seen.add(ctx.streamSection().orElseThrow())));
    }

    private record Run(Migration source, Migration destination, List<PassProgress> passes, Machine sourceMachine) {}

    private static Run migrate(MigrationPlugin plugin, MigrationParameters params, Duration beforeConnecting)
            throws Exception {
        return migrate(plugin, params, beforeConnecting, source -> {});
    }

    /** {@code prepare} sees the source machine before the migration starts; {@code more} listen beside the pass recorder. */
    private static Run migrate(
            MigrationPlugin plugin,
            MigrationParameters params,
            Duration beforeConnecting,
            Consumer<Machine> prepare,
            MigrationListener... more)
            throws Exception {
        Machine source = Machine.create("src", GuestMemory.of(1 << 20));
        Machine dest = Machine.incoming("dst", GuestMemory.of(1 << 20));
        source.start();
        prepare.accept(source);
        List<PassProgress> passes = new CopyOnWriteArrayList<>();
        IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
        Migration in = new Migrator(PluginRegistry.of(plugin)).incoming(dest, endpoint, params);
        Thread.sleep(
                beforeConnecting
                        .toMillis()); // the scenario: a destination that listens a while before the source comes
        List<MigrationListener> listeners = new ArrayList<>(List.of(more));
        listeners.add(new MigrationListener() {
            @Override
            public void passCompleted(Migration m, PassProgress p) {
                passes.add(p);
            }
        });
        Migration out = new Migrator(PluginRegistry.of(plugin))
                .migrate(source, endpoint.address(), params, listeners.toArray(MigrationListener[]::new));
        return new Run(out, in, passes, source);
    }

    /**
     * Two plugins of one name on each host (two versions of a bundle deployed side by side): the
     * first one registered migrates. Every migration was refused, on both sides, while both were there.
     */
    @Test
    void aMigrationGoesOnWithTheFirstOfTwoPluginsOfOneName() throws Exception {
        List<Object> first = new CopyOnWriteArrayList<>();
        List<Object> second = new CopyOnWriteArrayList<>();
        try (Machine source = Machine.create("src", GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dst", GuestMemory.of(1 << 20))) {
            source.start();
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
            Migration in = new Migrator(PluginRegistry.of(blob(V1, V1, first), blob(V1, V1, second)))
                    .incoming(dest, endpoint, MigrationParameters.defaults());
            Migration out = new Migrator(PluginRegistry.of(blob(V1, V1, first), blob(V1, V1, second)))
                    .migrate(source, endpoint.address(), MigrationParameters.defaults());

            assertThat(out.await(WAIT).status()).as("%s", out.failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(in.await(WAIT).status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(first).containsExactly(V1);
            assertThat(second).isEmpty();
        }
    }

    @Test
    void sectionBytesOfAPassCountChunkPayloadOnly() throws Exception {
        Run run = migrate(blob(V1, V1, new CopyOnWriteArrayList<>()), MigrationParameters.defaults(), Duration.ZERO);
        run.source().await(WAIT);
        assertThat(run.source().status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(run.passes().get(0).sectionBytes()).containsEntry("blob", 100L);
    }

    @Test
    void aLoaderSeesTheVersionTheStreamCarriesNotTheOneItRegistered() throws Exception {
        List<Object> seen = new CopyOnWriteArrayList<>();
        Run run = migrate(blob(V1, V3, seen), MigrationParameters.defaults(), Duration.ZERO);
        run.destination().await(WAIT);
        assertThat(run.destination().status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(seen).containsExactly(V1);
    }

    @Test
    void theDestinationsTotalTimeStartsWhenTheSourceConnectsAndItsIterationsAgreeWithTheSources() throws Exception {
        Run run = migrate(
                blob(V1, V1, new CopyOnWriteArrayList<>()), MigrationParameters.defaults(), Duration.ofMillis(1500));
        MigrationFigures out = run.source().await(WAIT);
        MigrationFigures in = run.destination().await(WAIT);
        assertThat(in.status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(in.iterations()).isEqualTo(out.iterations());
        assertThat(in.totalMillis())
                .as("the 1.5 s the destination listened alone are not part of the migration")
                .isLessThan(1000);
    }

    @Test
    void bytesACompleteHandlerDeclaresCountInTheExpectedDowntime() throws Exception {
        MigrationPlugin heavy = plugin(
                r -> r.on(Stage.COMPLETE)
                        .id("blob.heavy")
                        .priority(1)
                        .estimatedBytes(() -> 1L << 40)
                        .handler(ctx -> {}),
                r -> {});
        MigrationFigures f = migrate(heavy, MigrationParameters.defaults().withIterationCap(2), Duration.ZERO)
                .source()
                .await(WAIT);
        assertThat(f.status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(f.iterations())
                .as("a terabyte to send at the switchover never fits 300 ms")
                .isEqualTo(2);
        assertThat(f.expectedDowntimeMillis()).isGreaterThan(300);
    }

    @Test
    void theDestinationsDeclaredLoadCompleteTimeReachesTheSourcesPrediction() throws Exception {
        MigrationPlugin slowLoad = plugin(
                r -> {},
                r -> r.on(Stage.LOAD_COMPLETE)
                        .id("blob.rebuild")
                        .priority(1)
                        .estimatedNanos(() -> Duration.ofSeconds(5).toNanos())
                        .handler(ctx -> {}));
        MigrationFigures f = migrate(slowLoad, MigrationParameters.defaults().withIterationCap(2), Duration.ZERO)
                .source()
                .await(WAIT);
        assertThat(f.status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(f.iterations()).isEqualTo(2);
        assertThat(f.expectedDowntimeMillis()).isGreaterThanOrEqualTo(5000);
    }

    @Test
    void cleanupHandlersLearnTheOutcome() throws Exception {
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        MigrationPlugin ok = plugin(
                r -> r.on(Stage.CLEANUP)
                        .id("blob.cleanup")
                        .priority(1)
                        .handler(ctx -> outcomes.add(ctx.outcome().orElseThrow())),
                r -> {});
        migrate(ok, MigrationParameters.defaults(), Duration.ZERO).source().await(WAIT);
        MigrationPlugin failing = plugin(
                r -> {
                    r.on(Stage.SETUP).id("blob.fail").priority(1).handler(ctx -> {
                        throw new IllegalStateException("broken backend");
                    });
                    r.on(Stage.CLEANUP)
                            .id("blob.cleanup")
                            .priority(1)
                            .handler(ctx -> outcomes.add(ctx.outcome().orElseThrow()));
                },
                r -> {});
        migrate(failing, MigrationParameters.defaults(), Duration.ZERO).source().await(WAIT);
        assertThat(outcomes).hasSize(2);
        assertThat(outcomes.get(0)).isInstanceOf(Outcome.Completed.class);
        assertThat(outcomes.get(1))
                .isInstanceOfSatisfying(
                        Outcome.Failed.class, f -> assertThat(f.cause()).hasMessageContaining("broken backend"));
    }

    /**
     * Cleanup is best effort, step by step: a plugin's dirty log that throws when turned off (and
     * a CLEANUP handler that throws an Error) skipped the rest of it, so the machine stopped for
     * the switchover stayed stopped and claimed, and the migration never ended.
     */
    @Test
    void aFailingCleanupStepStillResumesTheSourceAndEndsTheMigration() throws Exception {
        DirtyLogSource failsToTurnOff = new DirtyLogSource() {
            @Override
            public String name() {
                return "blob-log";
            }

            @Override
            public void enable() {}

            @Override
            public void disable() {
                throw new IllegalStateException("the backend is gone");
            }

            @Override
            public long drainInto(DirtyBitmap target) {
                return 0;
            }

            @Override
            public long peekCount() {
                return 0;
            }
        };
        MigrationPlugin plugin = plugin(
                r -> {
                    r.dirtyLog(failsToTurnOff);
                    r.on(Stage.COMPLETE).id("blob.fail").priority(1).handler(ctx -> {
                        throw new IllegalStateException("device state unreadable");
                    });
                    r.on(Stage.CLEANUP).id("blob.cleanup").priority(1).handler(ctx -> {
                        throw new StackOverflowError("a cleanup handler recursed");
                    });
                },
                r -> {});
        Run run = migrate(plugin, MigrationParameters.defaults(), Duration.ZERO);
        MigrationFigures f = run.source().await(WAIT);
        assertThat(f.status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(run.source().failure().orElseThrow()).hasMessageContaining("device state unreadable");
        assertThat(run.sourceMachine().runState()).isEqualTo(RunState.RUNNING);
        assertThat(run.sourceMachine().isClaimed()).isFalse();
    }

    /** A listener's Error (a class of an uninstalled bundle, say) on the last status kept await() waiting forever. */
    @Test
    void aListenerThatThrowsAnErrorOnTheLastStatusDoesNotKeepAwaitWaiting() throws Exception {
        MigrationListener stale = new MigrationListener() {
            @Override
            public void statusChanged(Migration m, MigrationStatus from, MigrationStatus to) {
                if (to.isTerminal()) {
                    throw new NoClassDefFoundError("io/example/GoneWithItsBundle");
                }
            }
        };
        Run run = migrate(
                blob(V1, V1, new CopyOnWriteArrayList<>()),
                MigrationParameters.defaults(),
                Duration.ZERO,
                source -> {},
                stale);
        assertThat(run.source().await(WAIT).status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(run.destination().await(WAIT).status()).isEqualTo(MigrationStatus.COMPLETED);
    }

    /**
     * Once committed and reported, the migration has completed whatever a run-state listener does
     * on the source's POSTMIGRATE; one that threw made it FAILED (and told the destination ERROR
     * after COMMIT) while the destination ran the machine.
     */
    @Test
    void aRunStateListenerThatThrowsAfterTheCommitDoesNotFailACompletedMigration() throws Exception {
        Run run = migrate(
                blob(V1, V1, new CopyOnWriteArrayList<>()),
                MigrationParameters.defaults(),
                Duration.ZERO,
                source -> source.addRunStateListener((m, from, to) -> {
                    if (to == RunState.POSTMIGRATE) {
                        throw new IllegalStateException("the device backend is already gone");
                    }
                }));
        assertThat(run.destination().await(WAIT).status()).isEqualTo(MigrationStatus.COMPLETED);
        MigrationFigures f = run.source().await(WAIT);
        assertThat(f.status()).as("%s", run.source().failure()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(run.sourceMachine().runState()).isEqualTo(RunState.POSTMIGRATE);
    }

    /**
     * A snapshot is taken once it is moved in place. A cancel while it was being moved was accepted
     * and the migration reported CANCELLED, while the new file had replaced the previous one.
     */
    @Test
    void aCancelWhileTheSnapshotIsMovedInPlaceIsRefused(@TempDir Path dir) throws Exception {
        Path snapshot = Files.writeString(dir.resolve("vm.ferry"), "the previous snapshot");
        Machine source = Machine.create("src", GuestMemory.of(1 << 20));
        source.start();
        CountDownLatch moving = new CountDownLatch(1);
        CountDownLatch cancelTried = new CountDownLatch(1);
        MigrationChannel file = Transports.connect(new MigrationUri.File(snapshot));
        MigrationChannel held = new MigrationChannel() {
            @Override
            public GatheringByteChannel output() throws IOException {
                return file.output();
            }

            @Override
            public ReadableByteChannel input() throws IOException {
                return file.input();
            }

            @Override
            public boolean hasReturnPath() {
                return false;
            }

            @Override
            public void complete() throws IOException {
                moving.countDown();
                try {
                    cancelTried.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                file.complete();
            }

            @Override
            public String describe() {
                return file.describe();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
        Migration out = new Migrator(PluginRegistry.of(blob(V1, V1, new CopyOnWriteArrayList<>())))
                .migrate(source, held, MigrationParameters.defaults());
        assertThat(moving.await(30, TimeUnit.SECONDS)).isTrue();
        boolean cancelled = out.cancel();
        cancelTried.countDown();
        MigrationFigures f = out.await(WAIT);

        assertThat(cancelled)
                .as("a cancel once the snapshot is being moved in place")
                .isFalse();
        assertThat(f.status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(Files.readString(snapshot, StandardCharsets.ISO_8859_1)).isNotEqualTo("the previous snapshot");
    }

    /**
     * A migration that failed on its own has its outcome while it cleans up: a cancel then was
     * accepted, and the status said CANCELLED beside the handler's failure.
     */
    @Test
    void aCancelWhileAFailedMigrationCleansUpIsRefused() throws Exception {
        CountDownLatch cleaning = new CountDownLatch(1);
        CountDownLatch cancelTried = new CountDownLatch(1);
        MigrationPlugin plugin = plugin(
                r -> {
                    r.on(Stage.SETUP).id("blob.fail").priority(1).handler(ctx -> {
                        throw new IllegalStateException("broken backend");
                    });
                    r.on(Stage.CLEANUP).id("blob.cleanup").priority(1).handler(ctx -> {
                        cleaning.countDown();
                        cancelTried.await(30, TimeUnit.SECONDS);
                    });
                },
                r -> {});
        Run run = migrate(plugin, MigrationParameters.defaults(), Duration.ZERO);
        assertThat(cleaning.await(30, TimeUnit.SECONDS)).isTrue();
        boolean cancelled = run.source().cancel();
        cancelTried.countDown();
        MigrationFigures f = run.source().await(WAIT);

        assertThat(cancelled).isFalse();
        assertThat(f.status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(run.source().failure().orElseThrow()).hasMessageContaining("broken backend");
    }

    @Test
    void aRegistrationErrorOnTheSourceFailsAConnectedDestinationAtOnce() throws Exception {
        MigrationPlugin unordered =
                plugin(r -> r.on(Stage.SETUP).id("blob.unordered").handler(ctx -> {}), r -> {});
        Run run = migrate(
                unordered, MigrationParameters.defaults().withSwitchoverTimeout(Duration.ofSeconds(60)), Duration.ZERO);
        run.source().await(WAIT);
        assertThat(run.source().status()).isEqualTo(MigrationStatus.FAILED);
        run.destination().await(Duration.ofSeconds(20)); // well before the 60 s switchover timeout
        assertThat(run.destination().status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(run.destination().failure().orElseThrow())
                .isInstanceOf(SourceFailedException.class)
                .hasMessageContaining("needs an explicit priority");
    }
}
