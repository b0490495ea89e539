package io.ferry.shell.internal;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.Pipeline;
import io.ferry.shell.ProgressLine;
import io.ferry.shell.internal.Views.MigrationInfo;
import io.ferry.shell.internal.Views.Switchover;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The shell's current migration and every pass it has reported, to show and to follow. */
final class TrackedMigration implements MigrationListener {
    private static final Duration LONGEST_FOLLOW = Duration.ofHours(1);

    private final long id;
    private final String peer;
    private final List<PassProgress> passes = new ArrayList<>();
    private Migration migration;

    TrackedMigration(long id, String peer) {
        this.id = id;
        this.peer = peer;
    }

    synchronized void attach(Migration m) {
        checkState(migration == null, "already attached");
        migration = m;
    }

    synchronized Migration migration() {
        return migration;
    }

    MigrationStatus status() {
        return migration().status();
    }

    boolean isTerminal() {
        return status().isTerminal();
    }

    String failure() {
        Migration m = migration();
        return m.failure().map(Throwable::getMessage).orElse(m.status().toString());
    }

    @Override
    public synchronized void passCompleted(Migration m, PassProgress progress) {
        passes.add(progress);
        notifyAll();
    }

    @Override
    public synchronized void statusChanged(Migration m, MigrationStatus from, MigrationStatus to) {
        notifyAll();
    }

    /** Waits for the end and returns the final figures: an interrupt (Ctrl-C) cancels the migration rather than abandoning it. */
    MigrationFigures awaitEnd() {
        Migration m = migration();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return m.await(LONGEST_FOLLOW);
                } catch (InterruptedException e) {
                    interrupted = true;
                    m.cancel();
                } catch (TimeoutException e) {
                    m.cancel();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** QEMU's query-migrate for this migration, with its passes so far. */
    synchronized MigrationInfo info() {
        Migration m = migration;
        List<String> plugins =
                m.pipeline().map(Pipeline::plugins).map(List::copyOf).orElse(List.of());
        Optional<Switchover> switchover = m.streamId().isPresent()
                ? Optional.of(new Switchover(
                        String.format("%016x", m.streamId().getAsLong()),
                        m.decision().map(SwitchoverDecision::verdict)))
                : Optional.empty();
        return new MigrationInfo(
                id,
                m.side(),
                m.status(),
                peer,
                m.failure().map(Throwable::getMessage),
                plugins,
                m.figures(),
                List.copyOf(passes),
                switchover);
    }

    /** Prints a progress line per pass (from the first) until the migration ends, then returns its final info. */
    MigrationInfo follow(PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + LONGEST_FOLLOW.toNanos();
        int shown = 0;
        while (System.nanoTime() < deadline) {
            List<PassProgress> fresh;
            boolean done;
            synchronized (this) {
                if (shown == passes.size() && !migration.status().isTerminal()) {
                    wait(TimeUnit.MILLISECONDS.toMillis(200));
                }
                fresh = List.copyOf(passes.subList(shown, passes.size()));
                done = migration.status().isTerminal();
            }
            fresh.forEach(p -> out.println(ProgressLine.of(p)));
            out.flush();
            shown += fresh.size();
            if (done && fresh.isEmpty()) {
                break;
            }
        }
        return info();
    }
}
