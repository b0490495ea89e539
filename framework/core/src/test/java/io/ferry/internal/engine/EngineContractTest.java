package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
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
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

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

    private record Run(Migration source, Migration destination, List<PassProgress> passes) {}

    private static Run migrate(MigrationPlugin plugin, MigrationParameters params, Duration beforeConnecting)
            throws Exception {
        Machine source = Machine.create("src", GuestMemory.of(1 << 20));
        Machine dest = Machine.incoming("dst", GuestMemory.of(1 << 20));
        source.start();
        List<PassProgress> passes = new CopyOnWriteArrayList<>();
        IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
        Migration in = new Migrator(PluginRegistry.of(plugin)).incoming(dest, endpoint, params);
        Thread.sleep(
                beforeConnecting
                        .toMillis()); // the scenario: a destination that listens a while before the source comes
        Migration out = new Migrator(PluginRegistry.of(plugin))
                .migrate(source, endpoint.address(), params, new MigrationListener() {
                    @Override
                    public void passCompleted(Migration m, PassProgress p) {
                        passes.add(p);
                    }
                });
        return new Run(out, in, passes);
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
