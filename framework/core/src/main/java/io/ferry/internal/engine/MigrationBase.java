package io.ferry.internal.engine;

import io.ferry.migration.HandlerFailedException;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.StageHandler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What both sides share: status, listeners, failure, figures, and the wait for the end. */
abstract class MigrationBase implements Migration {
    static final System.Logger LOG = System.getLogger("io.ferry.migration");

    final Counters counters = new Counters();
    private final List<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile MigrationStatus status = MigrationStatus.NONE;
    private volatile MigrationException failure;
    private volatile Pipeline pipeline;

    @Override
    public MigrationStatus status() {
        return status;
    }

    @Override
    public MigrationFigures figures() {
        return counters.snapshot(status);
    }

    @Override
    public Optional<MigrationException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public Optional<Pipeline> pipeline() {
        return Optional.ofNullable(pipeline);
    }

    @Override
    public MigrationFigures await(Duration timeout) throws InterruptedException, TimeoutException {
        if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("migration still " + status + " after " + timeout.toMillis() + " ms");
        }
        return figures();
    }

    @Override
    public void addListener(MigrationListener listener) {
        listeners.add(listener);
    }

    void pin(Pipeline p) {
        pipeline = p;
    }

    void setStatus(MigrationStatus to) {
        MigrationStatus from;
        synchronized (this) {
            from = status;
            // Once cancelling, only the end may follow.
            if (from == to || from.isTerminal() || (from == MigrationStatus.CANCELLING && !to.isTerminal())) {
                return;
            }
            status = to;
        }
        if (to.isTerminal()) {
            counters.finish();
        }
        for (MigrationListener l : listeners) {
            try {
                l.statusChanged(this, from, to);
            } catch (RuntimeException | AssertionError e) { // a listener's failure is never the migration's
                LOG.log(Level.WARNING, "migration listener failed on " + from + " -> " + to, e);
            }
        }
        if (to.isTerminal()) {
            done.countDown();
        }
    }

    void fail(MigrationException e) {
        if (failure == null) {
            failure = e;
        }
    }

    void publish(PassProgress progress) {
        for (MigrationListener l : listeners) {
            try {
                l.passCompleted(this, progress);
            } catch (RuntimeException | AssertionError e) {
                LOG.log(Level.WARNING, "migration listener failed on pass " + progress.pass(), e);
            }
        }
    }

    /** Runs a stage handler, turning its exception into a {@link HandlerFailedException}. */
    static void invoke(HandlerRegistration h, HandlerContext context) throws HandlerFailedException {
        try {
            ((StageHandler) h.handler()).handle(context);
        } catch (Exception | LinkageError | AssertionError e) {
            throw new HandlerFailedException(h, e);
        }
    }

    /** One line for an unexpected failure: its type and message. */
    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Runs {@code body} on a new named thread. */
    void startThread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }
}
