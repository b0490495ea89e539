package io.ferry.cli;

import io.ferry.migration.Migrator;
import io.ferry.transport.TransportOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CLI's use of {@link Migrator#warmUp()}: started with the migrator unless
 * {@code -Dferry.warm-up=false}, so it runs while the machines are built, and awaited before the
 * first migration, so it does not compete with it.
 */
final class ProcessWarmUp {
    private static final long WAIT_SECONDS = 60;

    private final Optional<CompletableFuture<Duration>> running;

    private ProcessWarmUp(Optional<CompletableFuture<Duration>> running) {
        this.running = running;
    }

    static ProcessWarmUp start(Migrator migrator) {
        return start(migrator, TransportOptions.defaults());
    }

    /** Over {@code transport}: with TLS credentials the rounds run over TLS ({@link Migrator#warmUp(TransportOptions)}). */
    static ProcessWarmUp start(Migrator migrator, TransportOptions transport) {
        return new ProcessWarmUp(Migrator.warmUpEnabled() ? Optional.of(migrator.warmUp(transport)) : Optional.empty());
    }

    /** Waits (a minute at most) for the warm-up to end; says how it went, in one line. */
    String await() throws InterruptedException {
        return outcome().line();
    }

    /**
     * How the warm-up went, in one line and in one word ({@link Outcome#brief()}); waits (a minute
     * at most) for it to end.
     */
    Outcome outcome() throws InterruptedException {
        if (running.isEmpty()) {
            return new Outcome("off", "process warm-up: off (-D" + Migrator.WARM_UP_PROPERTY + "=false)");
        }
        try {
            Duration took = running.get().get(WAIT_SECONDS, TimeUnit.SECONDS);
            return new Outcome(
                    took.toMillis() + "ms",
                    "process warm-up: " + took.toMillis() + " ms, in the background (-D" + Migrator.WARM_UP_PROPERTY
                            + "=false turns it off)");
        } catch (ExecutionException e) {
            return new Outcome(
                    "failed",
                    "process warm-up failed, migrating cold: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            return new Outcome(
                    "unfinished",
                    "process warm-up still running after " + WAIT_SECONDS
                            + " s: migrating now (it stops after its round)");
        }
    }

    /**
     * How a warm-up went: {@code brief} is one word without spaces (its time, as {@code 4100ms}, or
     * {@code off}, {@code failed}, {@code unfinished}); {@code line} says it for a reader.
     */
    record Outcome(String brief, String line) {}
}
