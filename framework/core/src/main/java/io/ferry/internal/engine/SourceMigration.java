package io.ferry.internal.engine;

import com.google.common.base.Throwables;
import com.google.common.base.Ticker;
import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.machine.RunState;
import io.ferry.machine.WritesHeld;
import io.ferry.migration.DowntimeExceededException;
import io.ferry.migration.MigrationEngine;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.SwitchoverBreakdown;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverTimeoutException;
import io.ferry.pipeline.Outcome;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.ProgressTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The source side: SETUP, passes of DIRTY_SYNC + ITERATE until {@link Convergence} says the
 * switchover fits the downtime limit (or the iteration cap), then stop the machine, COMPLETE,
 * END, wait for the destination's ACK, COMMIT. Any failure or cancel before COMMIT resumes the machine.
 */
final class SourceMigration extends MigrationBase {
    private final Machine machine;
    private final PluginRegistry registry;
    private final MigrationParameters params;
    private final MigrationEngine.ChannelOpener opener;
    private final String target;
    private final MigrationClaim claim;
    private final Ticker ticker;
    private volatile MigrationChannel channel;
    /** Channels 1.. of a several-channel migration, closed with channel 0. */
    private final List<MigrationChannel> others = new java.util.concurrent.CopyOnWriteArrayList<>();

    private StreamChannels out;
    /** Unguessable: channels 1.. of a plaintext stream are admitted by it, and in-doubt questions name it. */
    private final long streamId = new SecureRandom().nextLong();
    /** This side's decision for {@link #streamId}, and the decision port an in-doubt destination asks. */
    private final SourceDecision decisionLog;
    /** Committed, and no REPORT says the destination heard it: in doubt once the attempt's figures are kept. */
    private boolean unconfirmed;

    private Pipeline pipeline;
    private StageRunner stages;
    private FrameWriter writer;
    private Throttle throttle;
    private ReturnPath returnPath;
    private boolean guarded;
    /** The decision waits for the answer to a PING sent at or after this stamp: the start, then each step-back. */
    private long freshSince = Long.MIN_VALUE;
    /** The number of the last PASS frame written: the reader requires them in order, without gaps. */
    private int lastPassWritten;

    SourceMigration(
            MigrationClaim claim,
            Machine machine,
            PluginRegistry registry,
            MigrationParameters params,
            MigrationEngine.ChannelOpener opener,
            String target,
            Ticker ticker) {
        this.claim = claim;
        this.machine = machine;
        this.registry = registry;
        this.params = params;
        this.opener = opener;
        this.target = target;
        this.ticker = ticker;
        this.decisionLog = new SourceDecision(streamId, what());
    }

    /** Starts the migration on its own thread. */
    SourceMigration start() {
        startThread("ferry-migrate-" + machine.name(), this::run);
        return this;
    }

    @Override
    public Side side() {
        return Side.SOURCE;
    }

    @Override
    String what() {
        return "migration to " + target;
    }

    @Override
    public OptionalLong streamId() {
        return OptionalLong.of(streamId);
    }

    @Override
    public Optional<SwitchoverDecision> decision() {
        return decisionLog.current();
    }

    @Override
    public Optional<MigrationUri> decider() {
        return decisionLog.decider();
    }

    /**
     * {@inheritDoc} An ABORTED resolution is refused once the decision port told the destination
     * COMMITTED: it may run the machine already, and resuming here would run it twice.
     */
    @Override
    public boolean resolve(SwitchoverDecision given) {
        checkStream(streamId, given);
        return decisionLog.resolve(given, status() == MigrationStatus.IN_DOUBT);
    }

    /**
     * Committed, and the destination never confirmed it runs (no REPORT): it may run the machine,
     * or it may have died or be in doubt itself. The machine stays stopped until the operator says
     * how the destination ended: COMMITTED (it runs) or ABORTED (it never ran: resume here).
     */
    private void inDoubt() throws MigrationException, InterruptedException {
        closeChannel();
        String stream = DecisionDesk.hex(streamId);
        if (!decisionLog.resolved()) { // the destination may have reported on the decision port already
            setStatus(MigrationStatus.IN_DOUBT);
            LOG.log(
                    Level.WARNING,
                    what() + ": IN_DOUBT about stream " + stream + ": committed, and the"
                            + " destination never confirmed; its REPORT on the decision port "
                            + decider().map(Object::toString).orElse("(none)")
                            + " ends this, or resolve with how the destination ended (ferry:resolve"
                            + " commit|abort " + stream + ")");
        }
        SwitchoverDecision given = decisionLog.awaitResolution();
        if (given.verdict() == SwitchoverDecision.Verdict.COMMITTED) {
            bestEffort("marking the machine migrated", () -> claim.changeRunState(RunState.POSTMIGRATE));
            return;
        }
        throw new MigrationException("in doubt about stream " + given.streamHex() + ", resolved: the destination did"
                + " not run the machine, so it resumes here");
    }

    /** Commits: from here on the machine never resumes on this side, whatever becomes of COMMIT on its way. */
    private void commit() throws MigrationException {
        passPointOfNoReturn();
        decisionLog.commit();
    }

    private void run() {
        RunState before = machine.runState();
        MigrationException failure = null;
        try {
            registry.addListener(leaveListener);
            migrate();
        } catch (Throwable t) {
            outcomeDecided();
            failure = classify(t);
            tellDestination(failure);
        } finally {
            // Whatever happened above, the machine is resumed (unless committed) and released and the status becomes
            // terminal: each step is on its own, so one that throws does not skip the others.
            MigrationException reason = failure;
            bestEffort("cleanup", () -> cleanup(outcome(reason)));
            if (failure != null && !decisionLog.committed()) {
                bestEffort("resuming the machine", () -> resume(before));
                bestEffort("recording the abort", decisionLog::abort);
            } else if (failure != null) {
                bestEffort("keeping the machine stopped", this::stayStopped);
            }
            bestEffort(
                    "closing the decision port",
                    () -> decisionLog.closeDesk(params.switchoverTimeout().plus(params.inDoubtTimeout())));
            bestEffort("releasing the machine", claim::close);
            end(failure);
        }
    }

    /** Puts a machine stopped for the switchover back in the state it had before the migration. */
    private void resume(RunState before) {
        try {
            if (machine.runState() == RunState.FINISH_MIGRATE) {
                claim.changeRunState(before == RunState.FINISH_MIGRATE ? RunState.PAUSED : before);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not resume " + machine.name() + " after the failed migration", e);
        }
    }

    /** A failure after the commit: the destination may run the machine, so it must never run here again. */
    private void stayStopped() {
        try {
            claim.changeRunState(RunState.POSTMIGRATE);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not mark " + machine.name() + " as migrated after its commit", e);
        }
    }

    private void migrate() throws Exception {
        setStatus(MigrationStatus.SETUP);
        // Connect first, so a pipeline that cannot be assembled is reported to the destination at once (ERROR).
        MigrationChannel ch = opener.open();
        channel = ch;
        checkAborted();
        if (ch.hasReturnPath()) {
            returnPath = new ReturnPath(ch.input(), this::abort, ticker);
            returnPath.start("ferry-return-path-" + machine.name());
        }
        out = new StreamChannels(params.channels(), params.maxFrameSize(), streamId, "ferry-migrate-" + machine.name());
        out.add(ch);
        openOthers(ch);
        writer = out.control();
        throttle = Throttle.of(params.maxBandwidth(), this::isAborted);
        List<PluginRegistry.Entry> entries = registry.entriesInUse();
        pipeline = Pipeline.assemble(Side.SOURCE, machine, pluginsOf(entries));
        pin(pipeline, entries);
        checkStillRegistered(registry, entries);
        checkAborted();
        writer.writeManifest(new Frame.Manifest(pipeline.sections()));
        awaitAccept();
        decisionLog.openDesk(ch, params.transport(), writer, "ferry-decisions-" + machine.name());
        stages = StageRunner.source(
                pipeline, machine, machine.memory().newBitmap(), out, throttle, this, counters, params);

        guarded = params.downtimeGuard() && returnPath != null && canStepBack();
        stages.run(Stage.SETUP, 0);
        endPass(0);
        ping();
        counters.setupNanos = System.nanoTime() - counters.startNanos();
        setStatus(MigrationStatus.ACTIVE);

        RunState resumeTo = machine.runState();
        Convergence convergence = new Convergence(ticker, params.downtimeLimit(), params.iterationCap());
        GuestThrottle guestThrottle = new GuestThrottle(
                machine, params.throttling(), ticker, counters, stages.dirtiedPages(), out.bytesWritten());
        int pass = 0;
        for (int attempt = 1; ; attempt++) {
            pass = iterate(convergence, guestThrottle, pass + 1) + 1;
            String stepBack = switchover(pass, attempt, convergence);
            if (stepBack == null) {
                if (unconfirmed) {
                    inDoubt();
                }
                return;
            }
            revert(pass, resumeTo);
            pass = lastPassWritten; // a step-back during COMPLETE wrote no PASS: the numbers go on from the last one
            // sent
            if (attempt >= params.switchoverAttempts()) {
                throw new DowntimeExceededException(attempt, params.downtimeLimit(), stepBack);
            }
        }
    }

    /** Passes of DIRTY_SYNC + ITERATE from {@code first} until converged or capped; returns the last pass number. */
    private int iterate(Convergence convergence, GuestThrottle guestThrottle, int first) throws Exception {
        for (int pass = first; ; pass++) {
            checkAborted();
            stages.run(Stage.DIRTY_SYNC, pass);
            guestThrottle.afterSync(stages.dirtiedPages(), out.bytesWritten());
            long synced = ticker.read();

            convergence.passStarted();
            // With a bandwidth limit a pass carries at most one second's worth, so convergence is re-judged often.
            long budget = throttle.isLimited() ? params.maxBandwidth() : Long.MAX_VALUE;
            long bytes = stages.iterate(pass, budget);
            endPass(pass);
            convergence.passEnded(bytes);
            ping();
            if (returnPath != null && !returnPath.awaitPong(freshSince, params.switchoverTimeout())) {
                checkAborted(); // the return path ended: the destination's ERROR, most likely
                LOG.log(
                        Level.DEBUG,
                        what() + ": no PONG yet; deciding without the round trip and the destination's part");
            }

            // Pages the vCPUs dirtied during this pass, per second: the log was drained at its start.
            counters.dirtyPagesRate =
                    machine.memory().dirtyLog().peekCount() * 1_000_000_000L / Math.max(1, ticker.read() - synced);
            long pending = stages.pendingBytes();
            // The iteration cap counts this attempt's passes.
            Convergence.Decision decision = convergence.decide(pass - first + 1, work(pending));
            counters.remainingBytes = pending;
            counters.expectedDowntimeNanos = decision.expectedDowntimeNanos();
            counters.iterations = pass;
            publishPass(pass);
            if (decision.verdict().complete()) {
                return pass;
            }
        }
    }

    /** Asks the destination for a PONG: a round-trip sample and its part of the switchover. */
    private void ping() throws IOException {
        if (returnPath != null) {
            writer.writePing(new Frame.Ping(ticker.read()));
        }
    }

    /** What the switchover would have to do if it started now. */
    private Convergence.Work work(long pending) {
        long destination = returnPath == null ? 0 : returnPath.destinationNanos();
        long rtt = returnPath == null ? 0 : returnPath.roundTripNanos();
        return new Convergence.Work(
                pending, stages.completeBytesEstimate(), destination + stages.nanosEstimate(Stage.COMPLETE), rtt);
    }

    /**
     * One switchover attempt: stop, COMPLETE, END, ACK, COMMIT, REPORT.
     *
     * @return null once committed, or why the attempt stepped back (downtime-guard)
     */
    private String switchover(int pass, int attempt, Convergence convergence) throws Exception {
        checkAborted();
        setStatus(MigrationStatus.DEVICE);
        long limit = params.downtimeLimit().toNanos();
        Timeline timeline = new Timeline(ticker);
        claim.changeRunState(RunState.FINISH_MIGRATE); // returns with every vCPU at its safepoint
        timeline.mark(Timeline.VCPUS_STOPPED);
        long stopping = timeline.elapsedNanos();
        // COMPLETE's budget: the limit less what must follow it (the round trips and the destination's part).
        long completeBudget = limit - Convergence.afterEnd(work(0));
        String stepBack = null;
        try {
            if (!stages.complete(pass, timeline, () -> guarded && timeline.elapsedNanos() > completeBudget)) {
                stepBack = "COMPLETE ran over its budget of " + millis(completeBudget) + " ms: "
                        + millis(timeline.elapsedNanos()) + " ms after the stop";
                return stepBack;
            }
            counters.remainingBytes = 0;
            endPass(pass);
            Frame.End end = writer.writeEnd();
            decisionLog.endWritten();
            timeline.mark(Timeline.END_WRITTEN);
            counters.transferredBytes = out.bytesWritten();
            if (returnPath == null) {
                // A snapshot counts only once it is on disk, in place, and a cancel must not come after
                // it is: cancel is refused from before the move, and a move that fails resumes the
                // machine (a file has no peer that could run it).
                try (WritesHeld held = machine.memory().holdWrites()) {
                    stages.checkSealed();
                    passPointOfNoReturn();
                }
                channel.complete();
                decisionLog.commit();
                return null;
            }
            Frame.Ack ack = awaitAck();
            timeline.mark(Timeline.ACK_READ);
            long oneWay = timeline.placeAck(ack.marks());
            String mismatch = end.totals().mismatch(ack.totals()).orElse(null);
            if (mismatch != null) {
                throw new MigrationException(
                        "the destination's acknowledgement does not match the stream: " + mismatch);
            }
            // COMMIT's way out: half a PING round trip on the idle connection (as the REPORT is placed).
            long commitOut = returnPath.roundTripNanos() > 0 ? returnPath.roundTripNanos() / 2 : oneWay;
            if (guarded && timeline.elapsedNanos() + commitOut >= limit) {
                stepBack = "the destination acknowledged " + millis(timeline.elapsedNanos()) + " ms after the stop;"
                        + " with COMMIT on its way the downtime would exceed " + millis(limit) + " ms";
                return stepBack;
            }
            // A device that wrote while the destination loaded. Writes held: one whose data landed
            // has its breach recorded, and none lands between the check and the commit.
            try (WritesHeld held = machine.memory().holdWrites()) {
                stages.checkSealed();
                commit();
            }
            // From here on nothing may fail the migration: the destination may run the machine.
            boolean reported = false;
            try {
                if (writeCommit()) {
                    timeline.mark(Timeline.COMMIT_WRITTEN);
                    reported = awaitReport(timeline);
                }
            } catch (InterruptedException e) {
                // Not restored: the in-doubt wait that follows must still run; the commit stands.
                LOG.log(Level.WARNING, what() + ": committed, and interrupted while waiting for the REPORT", e);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, what() + ": committed, and waiting for the destination's REPORT failed", e);
            }
            if (reported) {
                decisionLog.destinationReported();
                bestEffort("marking the machine migrated", () -> claim.changeRunState(RunState.POSTMIGRATE));
            } else {
                unconfirmed = true;
            }
            return null;
        } finally {
            if (stepBack != null) {
                out.writeVoid(); // the other channels end their segment first
                timeline.mark(Timeline.VOID_WRITTEN);
                LOG.log(Level.INFO, what() + ": switchover attempt " + attempt + " stepped back: " + stepBack);
            }
            // Bookkeeping, after a commit too: what it throws is logged, it never fails a committed migration.
            bestEffort("recording the switchover attempt", () -> {
                SwitchoverBreakdown breakdown = timeline.breakdown(attempt);
                counters.switchover = breakdown;
                counters.downtimeNanos = breakdown.downtime().toNanos();
                Timeline.Span finalPass = timeline.finalPass(ramFinalId());
                convergence.learn(new Convergence.Attempt(
                        stopping,
                        breakdown.downtime().toNanos(),
                        finalPass.bytes(),
                        finalPass.nanos(),
                        timeline.destinationNanos()));
                publishPass(pass); // the completion pass's event carries the attempt's breakdown
            });
        }
    }

    /** The id of RAM's final pass, or "" if the pipeline has none. */
    private String ramFinalId() {
        return pipeline.handlers(Stage.COMPLETE).stream()
                .filter(h -> h.ramFinalPass())
                .map(h -> h.id())
                .findFirst()
                .orElse("");
    }

    /** Whether every plugin with COMPLETE handlers can undo them; if not, the guard stays off, and says why. */
    private boolean canStepBack() {
        List<String> blockers = stages.cannotStepBack();
        if (!blockers.isEmpty()) {
            LOG.log(
                    Level.WARNING,
                    what() + ": downtime-guard is off for this migration: plugin(s) " + blockers
                            + " have COMPLETE handlers but no REVERT handler, so a switchover could not step back");
        }
        return blockers.isEmpty();
    }

    /** After a void attempt: REVERT undoes what COMPLETE stopped, the machine resumes, iteration goes on. */
    private void revert(int pass, RunState resumeTo) throws Exception {
        freshSince = ticker.read(); // the next decision needs the destination's part as the void attempt taught it
        stages.run(Stage.REVERT, pass);
        claim.changeRunState(resumeTo);
        setStatus(MigrationStatus.ACTIVE);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /**
     * Waits for the destination to accept the MANIFEST, so that a destination refusing a section
     * costs the header and the manifest rather than megabytes of RAM. A snapshot file has no
     * return path: it is checked when it is restored.
     */
    private void awaitAccept() throws Exception {
        if (returnPath == null) {
            return;
        }
        // Checking a manifest takes the destination no time: a destination that does not answer
        // within progress-timeout is frozen or gone, and nothing has been sent yet.
        Duration limit = params.transport().progressTimeout();
        Frame f;
        try {
            f = returnPath.next(limit);
        } catch (IOException e) {
            checkAborted(); // the destination's own error (a refused section), if it sent one
            throw new MigrationException(
                    "the destination closed the connection without accepting the manifest: " + e.getMessage(), e);
        }
        if (f == null) {
            ProgressTimeoutException silent =
                    new ProgressTimeoutException("the destination's answer to the manifest", limit, "progress-timeout");
            throw new MigrationException(silent.getMessage(), silent);
        }
        if (!(f instanceof Frame.Accept)) {
            throw new MigrationException("return path: expected ACCEPT, found " + f.type());
        }
    }

    private Frame.Ack awaitAck() throws Exception {
        Frame f = awaitAnswer("acknowledging");
        if (f instanceof Frame.Ack ack) {
            return ack;
        }
        throw new MigrationException("return path: expected ACK, found " + f.type());
    }

    /**
     * Writes COMMIT. A failure is not the migration's: the decision is made, and a destination that
     * acknowledged and never hears it is in doubt until resolved with this side's decision.
     */
    private boolean writeCommit() {
        try {
            writer.writeCommit();
            return true;
        } catch (IOException e) {
            LOG.log(
                    Level.WARNING,
                    what() + ": committed stream "
                            + DecisionDesk.hex(streamId) + " but could not send COMMIT ("
                            + e.getMessage() + "); the destination is in doubt until resolved with COMMITTED");
            return false;
        }
    }

    /**
     * The destination's REPORT after COMMIT, placed on the timeline; without one (false) the
     * breakdown ends on this side, and the commit is unconfirmed.
     */
    private boolean awaitReport(Timeline timeline) throws InterruptedException {
        try {
            Frame f = returnPath.next(params.switchoverTimeout());
            if (f instanceof Frame.Report r) {
                timeline.placeReport(r.marks(), returnPath.roundTripNanos());
                return true;
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, what() + ": no REPORT after COMMIT: " + e.getMessage());
        }
        return false;
    }

    private Frame awaitAnswer(String what) throws Exception {
        Frame f;
        try {
            f = returnPath.next(params.switchoverTimeout());
        } catch (IOException e) {
            checkAborted(); // the destination's own error, if it sent one
            throw new MigrationException(
                    "the destination closed the connection without " + what + ": " + e.getMessage(), e);
        }
        if (f == null) {
            abort(new SwitchoverTimeoutException(params.switchoverTimeout()));
            checkAborted();
        }
        return f;
    }

    /**
     * Opens channels 1.. of a several-channel migration (each a connection of its own, TLS and
     * header included). Only a destination that answers (TCP) takes more than one.
     */
    private void openOthers(MigrationChannel first) throws IOException, MigrationException {
        if (params.channels() > 1 && !first.hasReturnPath()) {
            throw new MigrationException("channels " + params.channels() + ": " + first.describe()
                    + " carries one stream; several channels need a tcp: destination");
        }
        for (int i = 1; i < params.channels(); i++) {
            checkAborted();
            MigrationChannel c = opener.open();
            if (c == first || others.contains(c)) {
                throw new MigrationException("channels " + params.channels() + ": " + first.describe()
                        + " is one connection and cannot be opened again; several channels need a tcp: URI");
            }
            others.add(c);
            if (isAborted()) {
                closeChannel(); // an abort that closed the channels before this one was added
            }
            out.add(c);
        }
    }

    private void endPass(int pass) throws IOException {
        out.writePass(new Frame.Pass(pass));
        lastPassWritten = pass;
        counters.transferredBytes = out.bytesWritten();
        if (pass == 0) {
            publishPass(0);
        }
    }

    private void publishPass(int pass) {
        publish(new PassProgress(pass, stages.takeSectionBytes(), figures()));
    }

    /**
     * Sends the destination an ERROR with the reason, so it reports why rather than a cut stream.
     * Only between frames: after an I/O failure the stream may end inside a frame, and a cancel or
     * abort has closed the channel already.
     */
    private void tellDestination(MigrationException failure) {
        boolean streamIntact =
                writer != null && !isAborted() && !(Throwables.getRootCause(failure) instanceof IOException);
        if (!streamIntact) {
            return;
        }
        try {
            writer.writeError(new Frame.Error("the source failed: " + failure.getMessage()));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not tell the destination why the migration failed", e);
        }
    }

    private void cleanup(Outcome outcome) {
        if (stages != null) {
            bestEffort("CLEANUP", () -> stages.cleanup(counters.iterations + 1, outcome));
        }
        bestEffort("lifting the throttle", () -> GuestThrottle.lift(machine));
        bestEffort(
                "turning dirty logging off", () -> machine.memory().dirtyLog().disable());
        bestEffort("closing the channels", this::closeChannel);
        registry.removeListener(leaveListener);
        if (out != null) {
            // the channels' writer threads, after the channels (a write in progress ends at once)
            bestEffort("stopping the channels' writers", out::close);
            counters.transferredBytes = out.bytesWritten();
        }
    }

    /**
     * The reason to report. An abort (the destination's ERROR, a plugin leaving, a timeout) wins when
     * the migration thread's own exception is its consequence (the abort closed the channel); an
     * independent failure of the source's own I/O came first and wins, with the abort attached.
     */
    private MigrationException classify(Throwable t) {
        MigrationException abort = abortReason();
        Throwable root = Throwables.getRootCause(t);
        boolean consequence = root instanceof ClosedChannelException
                || root instanceof InterruptedIOException
                || !(root instanceof IOException);
        if (abort != null && (t == abort || consequence)) {
            return abort;
        }
        if (cancelRequested()) {
            return cancelled();
        }
        MigrationException own;
        if (t instanceof MigrationException m) {
            own = m;
        } else {
            if (t instanceof Error e && !(e instanceof LinkageError || e instanceof AssertionError)) {
                LOG.log(Level.ERROR, "migration of " + machine.name() + " hit " + e, e);
            }
            own = new MigrationException(what() + " failed: " + describe(t), t);
        }
        if (abort != null) {
            own.addSuppressed(abort);
        }
        return own;
    }

    @Override
    void closeChannel() {
        MigrationChannel ch = channel;
        if (ch != null) {
            close(ch);
        }
        others.forEach(SourceMigration::close);
    }

    private static void close(MigrationChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing " + ch.describe(), e);
        }
    }
}
