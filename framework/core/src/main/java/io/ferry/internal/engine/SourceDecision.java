package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TransportOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The source's decision log for one stream: undecided, then COMMITTED or ABORTED, and how an
 * in-doubt commit is resolved (the destination's REPORT, on channel 0 or on the decision port, or
 * the operator). It owns the {@link DecisionDesk} that answers in-doubt destinations, and keeps the
 * one rule that joins them: once the desk told a destination COMMITTED, it may run the machine, so
 * the source never resumes.
 */
final class SourceDecision implements DecisionDesk.Source {
    private static final System.Logger LOG = MigrationBase.LOG;

    private final long streamId;
    private final String what;
    /** Guards the decision against a question answered while an operator resolves. */
    private final Object lock = new Object();
    /** Null while undecided. */
    private volatile SwitchoverDecision decision;
    /** Completed by the operator ({@link #resolve}) or by the destination saying it runs the machine. */
    private final CompletableFuture<SwitchoverDecision> resolution = new CompletableFuture<>();
    /** A destination was told COMMITTED on the decision port: it may run the machine. */
    private boolean toldCommitted;
    /** The destination said it runs the machine (REPORT on channel 0 or on the decision port). */
    private volatile boolean destinationRuns;
    /** END was written: from then on a destination may have acknowledged, and be in doubt. */
    private volatile boolean endWritten;

    private volatile DecisionDesk desk;

    /** @param what the migration, as log lines name it */
    SourceDecision(long streamId, String what) {
        this.streamId = streamId;
        this.what = what;
    }

    /** The decision so far; empty while undecided. */
    Optional<SwitchoverDecision> current() {
        return Optional.ofNullable(decision);
    }

    /** Whether the source has committed: the machine must never run here again. */
    boolean committed() {
        SwitchoverDecision d = decision;
        return d != null && d.verdict() == Verdict.COMMITTED;
    }

    /** The decision port's address, once it is open. */
    Optional<MigrationUri> decider() {
        DecisionDesk d = desk;
        return d == null ? Optional.empty() : Optional.of(d.address());
    }

    /** Commits: from here on the machine never resumes on this side. */
    void commit() {
        decision = new SwitchoverDecision(streamId, Verdict.COMMITTED);
    }

    /** The migration failed before its commit: it resumes here, and a destination asking hears ABORTED. */
    void abort() {
        decision = new SwitchoverDecision(streamId, Verdict.ABORTED);
    }

    /** END is written: from now on a destination may be in doubt, so the desk stays open after the migration. */
    void endWritten() {
        endWritten = true;
    }

    /** The destination's REPORT on channel 0: it runs the machine. */
    void destinationReported() {
        destinationRuns = true;
    }

    /**
     * The operator's resolution of an in-doubt commit, taken only while {@code inDoubt}; ABORTED is
     * refused once the decision port told the destination COMMITTED, since resuming here could run
     * the machine twice.
     */
    boolean resolve(SwitchoverDecision given, boolean inDoubt) {
        synchronized (lock) {
            if (!inDoubt || resolution.isDone()) {
                return false;
            }
            checkState(
                    given.verdict() == Verdict.COMMITTED || !toldCommitted,
                    "stream %s: the destination asked and was told COMMITTED, so it may run the machine: resuming here"
                            + " could run it twice; resolve with commit",
                    given.streamHex());
            if (given.verdict() == Verdict.ABORTED) {
                decision =
                        given; // before the migration thread wakes: it resumes on it, and a destination asking hears it
            }
            return resolution.complete(given);
        }
    }

    /** Whether the commit is resolved already (the destination reported on the decision port). */
    boolean resolved() {
        return resolution.isDone();
    }

    /** Waits for the resolution of an in-doubt commit. */
    SwitchoverDecision awaitResolution() throws InterruptedException {
        try {
            return resolution.get();
        } catch (ExecutionException e) {
            throw new AssertionError("the resolution is only ever completed with a value", e);
        }
    }

    /** The decision port's answer: this side's decision as it is now. */
    @Override
    public Frame.Verdict answer() {
        synchronized (lock) {
            SwitchoverDecision d = decision;
            if (d == null) {
                return Frame.Verdict.UNDECIDED;
            }
            if (d.verdict() == Verdict.ABORTED) {
                return Frame.Verdict.ABORTED;
            }
            toldCommitted = true;
            return Frame.Verdict.COMMITTED;
        }
    }

    /** The destination's REPORT on the decision port: it runs the machine, so an in-doubt commit is confirmed. */
    @Override
    public void destinationRuns(Frame.Report report) {
        synchronized (lock) { // an operator's resolve and this report complete the resolution one at a time
            SwitchoverDecision d = decision;
            if (d != null && d.verdict() == Verdict.COMMITTED && !destinationRuns) {
                destinationRuns = true; // already true where channel 0's REPORT came first
                resolution.complete(d);
                LOG.log( // either way is a normal end: a line here only showed which report won the race
                        Level.DEBUG,
                        what + ": the destination reports on the decision port that it runs stream " + d.streamHex());
            }
        }
    }

    /** Opens the decision port and announces it on {@code writer}, before any state (so before END on every path). */
    void openDesk(MigrationChannel channel0, TransportOptions options, FrameWriter writer, String threadName)
            throws IOException {
        DecisionDesk d =
                DecisionDesk.open(channel0, streamId, options, this, threadName).orElse(null);
        desk = d;
        if (d != null) {
            writer.writeDecider(d.decider());
        }
    }

    /**
     * Closes the decision port once no destination can need it: at once if END was never written
     * or the destination runs; else after {@code inDoubtFor}, the time an in-doubt destination may go on asking.
     */
    void closeDesk(Duration inDoubtFor) {
        DecisionDesk d = desk;
        if (d == null) {
            return;
        }
        if (!endWritten || destinationRuns) {
            d.close();
        } else {
            d.closeAfter(inDoubtFor);
        }
    }
}
