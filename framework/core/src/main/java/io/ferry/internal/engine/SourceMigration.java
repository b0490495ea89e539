package io.ferry.internal.engine;

import com.google.common.base.Throwables;
import com.google.common.collect.ImmutableMap;
import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.machine.RunState;
import io.ferry.migration.LateDirtyException;
import io.ferry.migration.MigrationCancelledException;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The source side: SETUP, passes of DIRTY_SYNC + ITERATE until the pending estimate fits the
 * downtime limit (or the iteration cap), then stop the machine, COMPLETE, END, wait for the
 * destination's ACK, COMMIT. Any failure or cancel before COMMIT resumes the machine.
 */
public final class SourceMigration extends MigrationBase {
    /** Opens the connection; called on the migration thread so connecting is part of SETUP. */
    @FunctionalInterface
    public interface ChannelOpener {
        MigrationChannel open() throws IOException;
    }

    private final Machine machine;
    private final PluginRegistry registry;
    private final MigrationParameters params;
    private final ChannelOpener opener;
    private final String target;
    private final MigrationClaim claim;
    private final PluginRegistry.Listener leaveListener = this::pluginLeft;
    private volatile MigrationChannel channel;
    private volatile boolean cancelRequested;
    private volatile MigrationException abortReason;
    private boolean committed; // guarded by this

    private Pipeline pipeline;
    private DirtyBitmap bitmap;
    private FrameWriter writer;
    private Throttle throttle;
    private ReturnPath returnPath;
    private final Map<String, SectionSink> sinks = new HashMap<>();

    /** @param claim the machine's claim for this migration; released when the migration ends */
    public SourceMigration(MigrationClaim claim, Machine machine, PluginRegistry registry, MigrationParameters params,
            ChannelOpener opener, String target) {
        this.claim = claim;
        this.machine = machine;
        this.registry = registry;
        this.params = params;
        this.opener = opener;
        this.target = target;
    }

    /** Starts the migration on its own thread. */
    public SourceMigration start() {
        startThread("ferry-migrate-" + machine.name(), this::run);
        return this;
    }

    @Override
    public Side side() {
        return Side.SOURCE;
    }

    @Override
    public boolean cancel() {
        synchronized (this) {
            if (committed || status().isTerminal() || cancelRequested) {
                return false;
            }
            cancelRequested = true;
        }
        setStatus(MigrationStatus.CANCELLING);
        closeChannel();
        return true;
    }

    private void checkStillRegistered() {
        java.util.Set<String> present = new java.util.HashSet<>();
        registry.snapshot().forEach(p -> present.add(p.name()));
        for (String name : pipeline.plugins()) {
            if (!present.contains(name)) {
                abort(new MigrationException("plugin " + name + " left during the migration", null));
            }
        }
    }

    private void pluginLeft(MigrationPlugin plugin) {
        Pipeline p = pipeline().orElse(null);
        if (p != null && p.plugins().contains(plugin.name())) {
            abort(new MigrationException("plugin " + plugin.name() + " left during the migration", null));
        }
    }

    private void abort(MigrationException reason) {
        synchronized (this) {
            if (committed || status().isTerminal() || abortReason != null || cancelRequested) {
                return;
            }
            abortReason = reason;
        }
        closeChannel();
    }

    private boolean isAborted() {
        return cancelRequested || abortReason != null;
    }

    private void checkAborted() throws MigrationException {
        if (abortReason != null) {
            throw abortReason;
        }
        if (cancelRequested) {
            throw new MigrationCancelledException("migration to " + target + " cancelled");
        }
    }

    private void run() {
        RunState before = machine.runState();
        MigrationException failure = null;
        try {
            registry.addListener(leaveListener);
            migrate();
        } catch (Throwable t) {
            failure = classify(t);
            tellDestination(failure);
        } finally {
            // Whatever happened above, the machine is resumed and released and the status becomes terminal.
            cleanup();
            if (failure != null) {
                resume(before);
            }
            claim.close();
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

    private void end(MigrationException failure) {
        if (failure == null) {
            setStatus(MigrationStatus.COMPLETED);
            return;
        }
        fail(failure);
        LOG.log(Level.INFO, "migration of " + machine.name() + " to " + target + " ended: " + failure.getMessage());
        setStatus(cancelRequested && abortReason == null ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
    }

    private void migrate() throws Exception {
        setStatus(MigrationStatus.SETUP);
        pipeline = Pipeline.assemble(Side.SOURCE, machine, registry.snapshot());
        pin(pipeline);
        checkStillRegistered(); // a plugin that left while the pipeline was assembled went unheard
        checkAborted();
        MigrationChannel ch = opener.open();
        channel = ch;
        checkAborted();
        if (ch.hasReturnPath()) {
            returnPath = new ReturnPath(ch.input(), this::abort);
            returnPath.start("ferry-return-path-" + machine.name());
        }
        writer = new FrameWriter(ch.output(), params.maxFrameSize());
        throttle = Throttle.of(params.maxBandwidth(), this::isAborted);
        bitmap = machine.memory().newBitmap();
        writer.writeHeader(StreamHeader.singleChannel(ThreadLocalRandom.current().nextLong()));
        List<SectionId> sections = pipeline.sections();
        writer.writeManifest(new Frame.Manifest(sections));
        for (int i = 0; i < sections.size(); i++) {
            sinks.put(key(sections.get(i)), new SectionSink(writer, i, throttle, counters));
        }

        runStage(Stage.SETUP, 0);
        endPass(0);
        counters.setupNanos = System.nanoTime() - counters.startNanos();
        setStatus(MigrationStatus.ACTIVE);

        int pass = iterate();

        checkAborted();
        setStatus(MigrationStatus.DEVICE);
        long stopped = System.nanoTime();
        claim.changeRunState(RunState.FINISH_MIGRATE); // returns with every vCPU at its safepoint
        complete(pass + 1);
        endPass(pass + 1);
        publishPass(pass + 1);
        Frame.End end = writer.writeEnd();
        counters.transferredBytes = writer.bytesWritten();
        switchover(end);
        counters.downtimeNanos = System.nanoTime() - stopped;
        claim.changeRunState(RunState.POSTMIGRATE);
    }

    /** Passes of DIRTY_SYNC + ITERATE until converged or capped; returns the last pass number. */
    private int iterate() throws Exception {
        long iterBytes = 0;
        long iterNanos = 0;
        for (int pass = 1; ; pass++) {
            checkAborted();
            runStage(Stage.DIRTY_SYNC, pass);
            long synced = System.nanoTime();

            long bytesBefore = writer.bytesWritten();
            long started = System.nanoTime();
            // With a bandwidth limit a pass carries at most one second's worth, so convergence is re-judged often.
            long budget = throttle.isLimited() ? params.maxBandwidth() : Long.MAX_VALUE;
            for (HandlerRegistration h : pipeline.handlers(Stage.ITERATE)) {
                checkAborted();
                long b0 = writer.bytesWritten();
                invoke(h, context(h, pass, Math.max(0, budget)));
                budget -= writer.bytesWritten() - b0;
            }
            endPass(pass);
            iterBytes += writer.bytesWritten() - bytesBefore;
            iterNanos += System.nanoTime() - started;

            // Pages the vCPUs dirtied during this pass, per second: the log was drained at its start.
            counters.dirtyPagesRate = machine.memory().dirtyLog().peekCount() * 1_000_000_000L
                    / Math.max(1, System.nanoTime() - synced);
            long pending = pendingBytes();
            double bytesPerNano = iterNanos == 0 ? 0 : (double) iterBytes / iterNanos;
            long expected = pending == 0 ? 0 : bytesPerNano == 0 ? Long.MAX_VALUE : (long) (pending / bytesPerNano);
            counters.remainingBytes = pending;
            counters.expectedDowntimeNanos = expected;
            counters.iterations = pass;
            publishPass(pass);
            // Strictly below: a limit of 0 accepts no downtime at all, so it always runs to the cap.
            if (expected < params.downtimeLimit().toNanos() || pass >= params.iterationCap()) {
                return pass;
            }
        }
    }

    private long pendingBytes() {
        long sum = 0;
        for (HandlerRegistration h : pipeline.handlers(Stage.ITERATE)) {
            OptionalLong p = h.pending();
            if (p.isPresent()) {
                sum += p.getAsLong();
            }
        }
        return sum;
    }

    /** COMPLETE in priority order; once RAM's final pass has run, any handler that dirties guest RAM fails. */
    private void complete(int pass) throws Exception {
        HandlerRegistration ramFinal = null;
        for (HandlerRegistration h : pipeline.handlers(Stage.COMPLETE)) {
            checkAborted();
            invoke(h, context(h, pass, Long.MAX_VALUE));
            long dirty = machine.memory().dirtyLog().peekCount() + bitmap.count();
            if (ramFinal != null && dirty > 0) {
                throw new LateDirtyException(h, dirty);
            }
            if (h.ramFinalPass()) {
                ramFinal = h;
                if (dirty > 0) {
                    throw new MigrationException("RAM's final pass " + h.id() + " left " + dirty + " dirty page(s) unsent",
                            null);
                }
            }
        }
        counters.remainingBytes = 0;
    }

    /** Waits for the destination's ACK, checks its totals, then commits. */
    private void switchover(Frame.End end) throws Exception {
        if (returnPath != null) {
            Frame.Ack ack = awaitAck();
            if (ack.frames() != end.frames() || ack.chunkBytes() != end.chunkBytes()) {
                throw new MigrationException("destination acknowledged " + ack.frames() + " frames / " + ack.chunkBytes()
                        + " chunk bytes, but " + end.frames() + " / " + end.chunkBytes() + " were sent", null);
            }
        }
        if (returnPath == null) {
            channel.complete(); // a snapshot counts only once it is on disk, in place
        }
        synchronized (this) {
            checkAborted();
            committed = true;
        }
        if (returnPath != null) {
            writer.writeCommit();
        }
    }

    private Frame.Ack awaitAck() throws Exception {
        try {
            return returnPath.ack().get(params.switchoverTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            timeOut();
            throw abortReason;
        } catch (ExecutionException e) {
            checkAborted(); // the destination's own error, if it sent one
            throw new MigrationException("the destination closed the connection without acknowledging: "
                    + describe(e.getCause()), e.getCause());
        }
    }

    private void timeOut() {
        abort(new MigrationException("no answer from the destination within " + params.switchoverTimeout().toMillis()
                + " ms after the end of the stream", null));
    }

    private void runStage(Stage stage, int pass) throws Exception {
        for (HandlerRegistration h : pipeline.handlers(stage)) {
            checkAborted();
            invoke(h, context(h, pass, Long.MAX_VALUE));
        }
    }

    private HandlerContext context(HandlerRegistration h, int pass, long budget) {
        SectionSink sink = h.stage().emitsChunks() ? h.section().map(s -> sinks.get(key(s))).orElse(null) : null;
        return new HandlerContext(h, pass, machine, bitmap, budget, sink, this::isAborted, counters, params);
    }

    private void endPass(int pass) throws IOException {
        writer.writePass(new Frame.Pass(pass));
        counters.transferredBytes = writer.bytesWritten();
        if (pass == 0) {
            publishPass(0);
        }
    }

    private void publishPass(int pass) {
        ImmutableMap.Builder<String, Long> bytes = ImmutableMap.builder();
        Map<String, Long> merged = new HashMap<>();
        sinks.forEach((k, sink) -> merged.merge(k.substring(0, k.indexOf('/')), sink.takeEmitted(), Long::sum));
        merged.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> bytes.put(e.getKey(), e.getValue()));
        publish(new PassProgress(pass, bytes.build(), figures()));
    }

    /**
     * Sends the destination an ERROR with the reason, so it reports why rather than a cut stream.
     * Only between frames: after an I/O failure the stream may end inside a frame, and a cancel or
     * abort has closed the channel already.
     */
    private void tellDestination(MigrationException failure) {
        boolean streamIntact = writer != null && !isAborted() && !(Throwables.getRootCause(failure) instanceof IOException);
        if (!streamIntact) {
            return;
        }
        try {
            writer.writeError(new Frame.Error("the source failed: " + failure.getMessage()));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not tell the destination why the migration failed", e);
        }
    }

    private void cleanup() {
        if (pipeline != null) {
            for (HandlerRegistration h : pipeline.handlers(Stage.CLEANUP)) {
                try {
                    invoke(h, context(h, counters.iterations + 1, Long.MAX_VALUE));
                } catch (MigrationException | RuntimeException e) {
                    LOG.log(Level.WARNING, e.getMessage(), e.getCause());
                }
            }
        }
        machine.memory().dirtyLog().disable();
        closeChannel();
        registry.removeListener(leaveListener);
        if (writer != null) {
            counters.transferredBytes = writer.bytesWritten();
        }
    }

    /**
     * The reason to report. An abort (the destination's ERROR, a plugin leaving, a timeout) wins when
     * the migration thread's own exception is its consequence (the abort closed the channel); an
     * independent failure of the source's own I/O came first and wins, with the abort attached.
     */
    private MigrationException classify(Throwable t) {
        MigrationException abort = abortReason;
        Throwable root = Throwables.getRootCause(t);
        boolean consequence = root instanceof ClosedChannelException || root instanceof InterruptedIOException
                || !(root instanceof IOException);
        if (abort != null && (t == abort || consequence)) {
            return abort;
        }
        if (cancelRequested) {
            return new MigrationCancelledException("migration to " + target + " cancelled");
        }
        MigrationException own;
        if (t instanceof MigrationException m) {
            own = m;
        } else {
            if (t instanceof Error e && !(e instanceof LinkageError || e instanceof AssertionError)) {
                LOG.log(Level.ERROR, "migration of " + machine.name() + " hit " + e, e);
            }
            own = new MigrationException("migration to " + target + " failed: " + describe(t), t);
        }
        if (abort != null) {
            own.addSuppressed(abort);
        }
        return own;
    }

    private void closeChannel() {
        MigrationChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing " + ch.describe(), e);
            }
        }
    }

    private static String key(SectionId s) {
        return s.name() + "/" + s.instance();
    }
}
