package io.ferry.internal.engine;

import io.ferry.migration.MigrationParameters;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.stream.Frame;
import io.ferry.transport.MigrationUri;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The destination's side of the decision about one stream: the decision it acted on, how an
 * in-doubt acknowledgement is resolved (the source's answer on its decision port, through a
 * {@link DecisionAsker}, or the operator, whichever comes first), and telling the source that the
 * machine runs once it does.
 */
final class DestinationDecision {
    private static final System.Logger LOG = MigrationBase.LOG;

    /** Starts a named daemon thread of the migration. */
    interface Threads {
        void start(String name, Runnable body);
    }

    private final String what;
    private final String machineName;
    private final MigrationParameters params;
    private final Threads threads;
    private volatile SwitchoverDecision decision;
    /** Completed by {@link #resolve} while in doubt, or by the source's answer to a question. */
    private final CompletableFuture<SwitchoverDecision> resolution = new CompletableFuture<>();
    /** Where the source answers questions about its decision (its DECIDER frame), if it said. */
    private volatile DecisionAsker asker;
    /** The source's own answer on its decision port, once it gave one: set before it completes {@link #resolution}. */
    private volatile SwitchoverDecision sourceAnswer;

    /**
     * @param what the migration, as log lines name it
     * @param machineName the machine, as thread names name it
     */
    DestinationDecision(String what, String machineName, MigrationParameters params, Threads threads) {
        this.what = what;
        this.machineName = machineName;
        this.params = params;
        this.threads = threads;
    }

    /** The decision this side acted on; empty while undecided. */
    Optional<SwitchoverDecision> current() {
        return Optional.ofNullable(decision);
    }

    /** Where the source answers questions, once its DECIDER frame arrived. */
    Optional<MigrationUri> decider() {
        DecisionAsker a = asker;
        return a == null ? Optional.empty() : Optional.of(a.decider());
    }

    /** The source's DECIDER frame: where to ask about {@code streamId} if in doubt. */
    void askAt(Frame.Decider decider, long streamId) {
        asker = new DecisionAsker(decider, streamId, params.transport());
    }

    /** The source decided on the stream: its COMMIT, or its ERROR (ABORTED). */
    void decided(long streamId, Verdict verdict) {
        decision = new SwitchoverDecision(streamId, verdict);
    }

    /** The operator's resolution, taken only while {@code inDoubt} and only once. */
    boolean resolve(SwitchoverDecision given, boolean inDoubt) {
        return inDoubt && resolution.complete(given);
    }

    /** How the log line of an in-doubt side names where it asks, or "" where the source gave no decision port. */
    String asking() {
        DecisionAsker a = asker;
        return a == null
                ? ""
                : "asking the source at " + a.decider() + " for at most "
                        + params.inDoubtTimeout().toMillis() + " ms, or ";
    }

    /**
     * In doubt about {@code streamId}: asks the source on a thread of its own, if it gave a decision
     * port, and waits for its answer or the operator's resolution; returns the decision taken.
     */
    SwitchoverDecision awaitResolution(long streamId) throws InterruptedException {
        DecisionAsker a = asker;
        if (a != null) {
            threads.start("ferry-in-doubt-" + machineName, () -> askSource(a, streamId));
        }
        SwitchoverDecision given;
        try {
            given = resolution.get();
        } catch (ExecutionException e) {
            throw new AssertionError("the resolution is only ever completed with a value", e);
        }
        decision = given;
        return given;
    }

    /** Asks the source for its decision until it gives one, the bound passes, or the operator resolves first. */
    private void askSource(DecisionAsker a, long streamId) {
        String id = DecisionDesk.hex(streamId);
        try {
            Optional<Frame.Verdict> v = a.askUntilDecided(params.inDoubtTimeout(), resolution, null, false);
            SwitchoverDecision answer = v.map(verdict -> new SwitchoverDecision(
                            streamId, verdict == Frame.Verdict.COMMITTED ? Verdict.COMMITTED : Verdict.ABORTED))
                    .orElse(null);
            sourceAnswer = answer; // before completing: whoever gets the resolution can tell whose it is
            if (answer != null && resolution.complete(answer)) {
                LOG.log(Level.INFO, what + ": stream " + id + " resolved by the source's decision: " + v.get());
            } else if (v.isEmpty() && !resolution.isDone()) {
                LOG.log(
                        Level.WARNING,
                        what + ": still IN_DOUBT about stream " + id + ": the source at " + a.decider()
                                + " gave no decision within in-doubt-timeout ("
                                + params.inDoubtTimeout().toMillis() + " ms);"
                                + " resolve with its decision (ferry:resolve commit|abort " + id + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The machine runs on the source's COMMIT: tells the source on its decision port too, because
     * the REPORT on channel 0 may be lost with the link, leaving the source in doubt. When the
     * source's decision port has just answered this in-doubt side (channel 0 is closed: the port
     * is the only way), it first tries before the migration ends, for at most switchover-timeout,
     * so a process that exits when its migration ends has normally told; the rest, and every other
     * case (an operator's resolve, channel 0's REPORT written), goes on a thread of its own. Stops
     * when told, after in-doubt-timeout, or when nothing listens there (the source is done).
     */
    void tellSourceItRuns(Frame.Report report) {
        DecisionAsker a = asker;
        if (a == null) {
            return;
        }
        Duration left = params.inDoubtTimeout();
        if (sourceAnswer != null && decision == sourceAnswer) { // in doubt, and the source's port answered
            Duration first = params.switchoverTimeout().compareTo(left) < 0 ? params.switchoverTimeout() : left;
            try {
                if (tell(a, report, first)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the machine runs: the migration completed all the same
                return;
            }
            left = left.minus(first);
            if (left.isZero()) {
                return;
            }
        }
        Duration limit = left; // where nothing listens any more, the thread's first question ends it
        threads.start("ferry-tell-" + machineName, () -> {
            try {
                tell(a, report, limit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Tells the source for at most {@code limit}; returns whether the source answered. */
    private boolean tell(DecisionAsker a, Frame.Report report, Duration limit) throws InterruptedException {
        Optional<Frame.Verdict> v = a.askUntilDecided(limit, new CompletableFuture<>(), report, true);
        if (v.isEmpty()) {
            return false;
        }
        if (v.get() == Frame.Verdict.ABORTED) {
            LOG.log(
                    Level.ERROR,
                    what + ": the source says it ABORTED stream " + DecisionDesk.hex(a.streamId())
                            + ", and this side runs the machine: it was resolved COMMITTED without the source's decision");
        }
        return true;
    }
}
