package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TestPlugin;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The process warm-up: real migrations in the background that leave nothing behind and yield to a real one. */
class WarmUpTest {
    private final Migrator migrator = new Migrator(PluginRegistry.of(new RamPlugin()));

    @Test
    void theWarmUpRunsItsMigrationsOnceAndCompletes() throws Exception {
        CompletableFuture<Duration> warmUp = migrator.warmUp();
        assertThat(migrator.warmUp()).isSameAs(warmUp);
        assertThat(warmUp.get(3, TimeUnit.MINUTES)).isPositive();
    }

    @Test
    void aMigrationStartedDuringTheWarmUpCompletesAndTheWarmUpEnds() throws Exception {
        CompletableFuture<Duration> warmUp = migrator.warmUp();
        try (Machine source = TestMachines.runningSource("warm", 16L << 20, 3);
                Machine destination = TestMachines.destinationFor(source);
                IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0))) {
            MigrationParameters params = MigrationParameters.defaults().withRunOnDestination(false);
            Migration in = migrator.incoming(destination, endpoint, params);
            MigrationFigures f =
                    migrator.migrate(source, endpoint.address(), params).await(Duration.ofMinutes(2));
            assertThat(f.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(in.await(Duration.ofMinutes(1)).status()).isEqualTo(MigrationStatus.COMPLETED);
            StateAssertions.assertSameState(source, destination);
        }
        assertThat(warmUp.get(3, TimeUnit.MINUTES)).isPositive(); // it stopped after its round, without failing
    }

    @Test
    void stoppingTheWarmUpLetsTheMigrationInProgressEndAndStartsNoOther() throws Exception {
        AtomicInteger started = new AtomicInteger();
        Migrator counted = countingMigrator(started);
        CompletableFuture<Duration> warmUp = counted.warmUp();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (started.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        int atStop = started.get();
        assertThat(atStop).as("the warm-up's second migration began").isGreaterThanOrEqualTo(2);
        assertThat(counted.stopWarmUps(Duration.ofMinutes(2))).isTrue();
        assertThat(warmUp.get(1, TimeUnit.MINUTES)).isPositive(); // ended normally: nothing was cut short
        // At most the migration that may have begun between reading the count and stopping.
        assertThat(started.get()).isLessThanOrEqualTo(atStop + 1);
    }

    @Test
    void aWarmUpAskedForAfterTheStopRunsNoMigration() throws Exception {
        AtomicInteger started = new AtomicInteger();
        Migrator counted = countingMigrator(started);
        assertThat(counted.stopWarmUps(Duration.ZERO)).isTrue();
        assertThat(counted.warmUp().get(1, TimeUnit.MINUTES)).isZero();
        assertThat(started.get()).isZero();
    }

    /** A migrator whose migrations, the warm-up's included, count themselves in {@code started} at SETUP. */
    private static Migrator countingMigrator(AtomicInteger started) {
        return new Migrator(PluginRegistry.of(
                new RamPlugin(),
                TestPlugin.named("counter").source(Stage.SETUP, 0, "counter.setup", ctx -> started.incrementAndGet())));
    }

    @Test
    void stoppingWithoutAWarmUpReturnsAtOnce() throws Exception {
        assertThat(migrator.stopWarmUps(Duration.ZERO)).isTrue();
    }
}
