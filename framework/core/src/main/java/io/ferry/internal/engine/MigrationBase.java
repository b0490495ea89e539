package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationCancelledException;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.PluginLeftException;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Outcome;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What both sides share: the lifecycle (status, cancel, abort, point of no return) in one
 * {@link AtomicReference}, listeners, failure, figures, and the wait for the end. Each side
 * supplies what it is called ({@link #what()}), how to cut its connection ({@link #closeChannel()})
 * and, by calling {@link #passPointOfNoReturn()}, when it can no longer turn back.
 */
abstract class MigrationBase implements Migration {
    static final System.Logger LOG = System.getLogger("io.ferry.migration");

    final Counters counters = new Counters();
    private final List<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.INITIAL);

    private volatile MigrationException failure;
    private volatile Pipeline pipeline;
    /**
     * The registry entries {@link #pipeline} was assembled from: not only the instances, as another
     * of a name may take one's place, and the same instance may leave and be added again.
     */
    private volatile List<PluginRegistry.Entry> pinnedFrom = List.of();

    /** Each side adds it to its registry while it runs: {@link #pluginLeft} hears the entries that end. */
    final PluginRegistry.Listener leaveListener = new PluginRegistry.Listener() {
        @Override
        public void removed(MigrationPlugin plugin) {
            // Not called: the registry calls ended, overridden below. The plugin alone cannot tell
            // the late word of an earlier entry of it from the end of the one pinned.
        }

        @Override
        public void ended(PluginRegistry.Entry ended) {
            pluginLeft(ended);
        }
    };

    /** What this migration is, for messages: "migration to tcp:…", "incoming migration into dest". */
    abstract String what();

    /** Cuts the connection, so a thread blocked on it wakes up; safe to call at any time, repeatedly. */
    abstract void closeChannel();

    @Override
    public MigrationStatus status() {
        return lifecycle.get().status();
    }

    @Override
    public MigrationFigures figures() {
        return counters.snapshot(status());
    }

    @Override
    public boolean cancel() {
        Lifecycle from = update(Lifecycle::cancellable, Lifecycle::cancelled);
        if (from == null) {
            return false;
        }
        notifyStatus(from.status(), MigrationStatus.CANCELLING);
        closeChannel();
        return true;
    }

    /**
     * The migration thread has its outcome and cleans up: from here a cancel is refused, so the
     * status never says CANCELLED for a migration that failed on its own.
     */
    final void outcomeDecided() {
        update(l -> true, Lifecycle::ended);
    }

    /** Stops the migration for {@code reason} from any thread, unless it is past its point of no return or already stopping. */
    final void abort(MigrationException reason) {
        Lifecycle before = update(
                l -> !l.status().isTerminal() && !l.isAborted(),
                l -> l.pastPointOfNoReturn() ? l.deferring(reason) : l.aborted(reason));
        if (before != null && !before.pastPointOfNoReturn()) {
            closeChannel();
        } // else deferred: it takes effect if the attempt is voided (reopen)
    }

    final boolean isAborted() {
        return lifecycle.get().isAborted();
    }

    /** Throws the abort reason, or a cancel, if either happened. */
    final void checkAborted() throws MigrationException {
        Lifecycle l = lifecycle.get();
        if (l.abortReason() != null) {
            throw l.abortReason();
        }
        if (l.cancelRequested()) {
            throw cancelled();
        }
    }

    final MigrationCancelledException cancelled() {
        return new MigrationCancelledException(what() + " cancelled");
    }

    final MigrationException abortReason() {
        return lifecycle.get().abortReason();
    }

    final boolean cancelRequested() {
        return lifecycle.get().cancelRequested();
    }

    /** Crosses the point of no return (commit, or acknowledgement): from here on neither cancel nor abort takes effect. */
    final void passPointOfNoReturn() throws MigrationException {
        while (true) {
            checkAborted();
            Lifecycle l = lifecycle.get();
            if (!l.isAborted() && lifecycle.compareAndSet(l, l.committed())) {
                return;
            }
        }
    }

    final boolean pastPointOfNoReturn() {
        return lifecycle.get().pastPointOfNoReturn();
    }

    /** Refuses a decision for another stream than {@code streamId} (null: none known yet). */
    static void checkStream(Long streamId, SwitchoverDecision given) {
        checkNotNull(given, "decision");
        checkArgument(
                streamId != null && streamId == given.streamId(),
                "the decision is for stream %s, but this migration is about stream %s",
                given.streamHex(),
                streamId == null ? "(none yet)" : String.format("%016x", streamId));
    }

    /** Undoes {@link #passPointOfNoReturn()}: the attempt it belonged to is void. */
    final void reopen() {
        Lifecycle before = update(l -> !l.status().isTerminal(), Lifecycle::reopened);
        if (before != null && before.abortReason() == null && before.deferredAbort() != null) {
            closeChannel(); // a plugin that left, say, while the attempt could not be stopped
        }
    }

    /**
     * Aborts if the registry entry of a plugin of the pinned pipeline ended. The entry, not the
     * name nor the instance: the word that one ended may come after a held-back plugin of its name
     * took its place, or after the same instance was added again, and this migration was assembled
     * with that one.
     */
    private void pluginLeft(PluginRegistry.Entry ended) {
        if (pinnedFrom.stream().anyMatch(e -> e.stamp() == ended.stamp())) { // stamps are unique in a registry
            abort(new PluginLeftException(ended.plugin().name(), duringWhat()));
        }
    }

    /**
     * Aborts for a plugin of the pinned pipeline whose entry ended while it was assembled from
     * {@code assembledFrom} ({@link #pluginLeft} does not hear it then), even if another of its
     * name, or itself added again, is in its place: the pipeline holds the entry that ended. One
     * merely held back since (another ranked above it arrived) has not ended: this migration keeps
     * it.
     */
    final void checkStillRegistered(PluginRegistry registry, List<PluginRegistry.Entry> assembledFrom) {
        for (PluginRegistry.Entry e : assembledFrom) {
            String name = e.plugin().name();
            if (pipeline.plugins().contains(name) && !registry.contains(e)) {
                abort(new PluginLeftException(name, duringWhat()));
            }
        }
    }

    /** The plugins of {@code entries}, in their order. */
    static List<MigrationPlugin> pluginsOf(List<PluginRegistry.Entry> entries) {
        return entries.stream().map(PluginRegistry.Entry::plugin).toList();
    }

    /** "the migration" or "the incoming migration", for the plugin-left message. */
    final String duringWhat() {
        return side() == Side.SOURCE ? "the migration" : "the incoming migration";
    }

    /** How a migration that ends with {@code failure} (null: none) ended, for CLEANUP. */
    static Outcome outcome(MigrationException failure) {
        if (failure == null) {
            return new Outcome.Completed();
        }
        return failure instanceof MigrationCancelledException ? new Outcome.Cancelled() : new Outcome.Failed(failure);
    }

    /** Makes the status terminal: COMPLETED without a failure, else CANCELLED for a plain cancel, else FAILED. */
    final void end(MigrationException failure) {
        if (failure == null) {
            setStatus(MigrationStatus.COMPLETED);
            return;
        }
        fail(failure);
        LOG.log(Level.INFO, what() + " ended: " + failure.getMessage());
        Lifecycle l = lifecycle.get();
        setStatus(l.cancelRequested() && l.abortReason() == null ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
    }

    /** Applies {@code change} if {@code allowed}; returns the lifecycle it replaced, or null if not allowed. */
    private Lifecycle update(Predicate<Lifecycle> allowed, UnaryOperator<Lifecycle> change) {
        while (true) {
            Lifecycle l = lifecycle.get();
            if (!allowed.test(l)) {
                return null;
            }
            if (lifecycle.compareAndSet(l, change.apply(l))) {
                return l;
            }
        }
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
            throw new TimeoutException("migration still " + status() + " after " + timeout.toMillis() + " ms");
        }
        return figures();
    }

    @Override
    public void addListener(MigrationListener listener) {
        listeners.add(listener);
    }

    /** Pins {@code p}, assembled from {@code from} (each of which it holds: assemble drops none). */
    void pin(Pipeline p, List<PluginRegistry.Entry> from) {
        pinnedFrom = List.copyOf(from);
        pipeline = p;
    }

    void setStatus(MigrationStatus to) {
        Lifecycle from = update(l -> l.canMoveTo(to), l -> l.withStatus(to));
        if (from != null) {
            notifyStatus(from.status(), to);
        }
    }

    private void notifyStatus(MigrationStatus from, MigrationStatus to) {
        if (to.isTerminal()) {
            counters.finish();
        }
        try {
            for (MigrationListener l : listeners) {
                try {
                    l.statusChanged(this, from, to);
                } catch (Throwable e) { // a listener's failure is never the migration's (a stale bundle's class too)
                    LOG.log(Level.WARNING, "migration listener failed on " + from + " -> " + to, e);
                }
            }
        } finally {
            if (to.isTerminal()) {
                done.countDown();
            }
        }
    }

    /** An action of the migration thread that may throw anything (an ending step, a piece of this side's own work). */
    interface Step {
        void run() throws Exception;
    }

    /** A step of ending a migration, run whatever the others did: what it throws is logged, not thrown. */
    final void bestEffort(String step, Step action) {
        try {
            action.run();
        } catch (Throwable e) { // an Error too: the steps after this one must still run
            LOG.log(Level.ERROR, what() + ": " + step + " failed", e);
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
            } catch (Throwable e) { // as for a status: never the migration's failure
                LOG.log(Level.WARNING, "migration listener failed on pass " + progress.pass(), e);
            }
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
