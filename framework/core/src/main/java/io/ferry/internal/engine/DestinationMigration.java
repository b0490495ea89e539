package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.machine.RunState;
import io.ferry.migration.HandlerFailedException;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.PeerSilentException;
import io.ferry.migration.SectionRefusedException;
import io.ferry.migration.SourceFailedException;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.ChunkLoader;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.MalformedFrameException;
import io.ferry.stream.StreamFormatException;
import io.ferry.stream.StreamHeader;
import io.ferry.stream.StreamTotals;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.MigrationUri;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The destination side: accept, header, manifest (refused before anything is loaded if a
 * section cannot be loaded), LOAD_SETUP, chunks routed to their section's loader, END with its
 * totals checked, LOAD_COMPLETE, ACK, wait for COMMIT, run. Until COMMIT the machine never runs;
 * on any failure it stays in {@link RunState#INMIGRATE}. Once the ACK is sent the destination is
 * past its point of no return: the source may commit at any moment, so it can no longer cancel.
 */
final class DestinationMigration extends MigrationBase {
    private static final int RETURN_PATH_FRAME = 64 << 10;
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(5);

    private final MigrationClaim claim;
    private final Machine machine;
    private final PluginRegistry registry;
    private final MigrationParameters params;
    private final IncomingEndpoint endpoint;
    private final InactivityWatchdog silence;
    private volatile MigrationChannel channel;
    private final Ticker ticker = Ticker.systemTicker();
    private Pipeline pipeline;
    private StageRunner stages;
    private long learnedNanos;
    private volatile FrameReceiver receiver;
    private volatile OptionalLong streamId = OptionalLong.empty();
    /** The decision this side acted on, how an in-doubt acknowledgement is resolved, telling the source it runs. */
    private final DestinationDecision decisionLog;

    DestinationMigration(
            MigrationClaim claim,
            Machine machine,
            PluginRegistry registry,
            MigrationParameters params,
            IncomingEndpoint endpoint) {
        this.claim = claim;
        this.machine = machine;
        this.registry = registry;
        this.params = params;
        this.endpoint = endpoint;
        this.silence = new InactivityWatchdog(params.switchoverTimeout(), this::sourceSilent);
        this.decisionLog = new DestinationDecision(what(), machine.name(), params, this::startThread);
    }

    DestinationMigration start() {
        startThread("ferry-incoming-" + machine.name(), this::run);
        return this;
    }

    @Override
    public Side side() {
        return Side.DESTINATION;
    }

    @Override
    String what() {
        return "incoming migration into " + machine.name();
    }

    @Override
    public OptionalLong streamId() {
        return streamId;
    }

    @Override
    public Optional<SwitchoverDecision> decision() {
        return decisionLog.current();
    }

    @Override
    public Optional<MigrationUri> decider() {
        return decisionLog.decider();
    }

    @Override
    public boolean resolve(SwitchoverDecision given) {
        OptionalLong id = streamId;
        checkStream(id.isPresent() ? id.getAsLong() : null, given);
        return decisionLog.resolve(given, status() == MigrationStatus.IN_DOUBT);
    }

    /**
     * For tests: bytes read so far over every channel, a frame still being read included, so that a
     * test can wait until what it wrote has reached this side.
     */
    long bytesReceived() {
        FrameReceiver r = receiver;
        return r == null ? 0 : r.bytesRead();
    }

    /** LOAD_COMPLETE is running: the source's wait for the ACK goes on meanwhile. */
    private volatile boolean completing;

    /**
     * The source sent nothing for the switchover timeout (or LOAD_COMPLETE ran past it): before the
     * ACK that aborts; after it the source may have committed, so the connection is cut and this
     * side goes in doubt.
     */
    private void sourceSilent() {
        abort(
                completing
                        ? new MigrationException("LOAD_COMPLETE ran past switchover-timeout ("
                                + params.switchoverTimeout().toMillis() + " ms after END): the source stops waiting"
                                + " for the ACK then; the machine stays stopped here")
                        : new PeerSilentException(params.switchoverTimeout()));
        if (pastPointOfNoReturn()) {
            closeChannel();
        }
    }

    private void run() {
        MigrationException failure = null;
        FrameWriter answers = null;
        try {
            registry.addListener(leaveListener);
            setStatus(MigrationStatus.SETUP);
            MigrationChannel ch = endpoint.accept();
            counters.startNow();
            channel = ch;
            checkAborted();
            if (ch.hasReturnPath()) {
                answers = new FrameWriter(ch.output(), RETURN_PATH_FRAME);
            }
            silence.start("ferry-incoming-watchdog-" + machine.name());
            load(ch, answers);
        } catch (Throwable t) {
            outcomeDecided();
            failure = classify(t);
            tellSource(answers, failure);
        } finally {
            silence.stop();
            FrameReceiver r = receiver;
            if (r != null) {
                r.close();
            }
            registry.removeListener(leaveListener);
            closeChannel();
            claim.close();
            end(failure);
        }
    }

    private void load(MigrationChannel ch, FrameWriter answers) throws Exception {
        List<MigrationChannel> channels = new ArrayList<>();
        channels.add(ch);
        channels.addAll(ch.companions());
        List<FrameReader> readers = new ArrayList<>();
        for (MigrationChannel c : channels) {
            FrameReader reader = new FrameReader(c.input(), params.maxFrameSize());
            StreamHeader header = reader.readHeader();
            checkHeader(header, readers.size(), channels.size());
            if (readers.isEmpty()) {
                streamId = OptionalLong.of(header.streamId()); // what an in-doubt resolution must name
            }
            readers.add(reader);
        }
        FrameReceiver frames = new FrameReceiver(
                channels,
                readers,
                FrameReceiver.readsAhead(channels.size(), Runtime.getRuntime().availableProcessors()),
                "ferry-incoming-" + machine.name(),
                this::checkAborted,
                ticker);
        receiver = frames;
        FrameReceiver.Received received = frames.next();
        long manifestAt = received.offset();
        Frame first = received.frame();
        silence.touch();
        if (first instanceof Frame.Error e) {
            throw new SourceFailedException(e.message()); // the source failed before it had a manifest to send
        }
        if (!(first instanceof Frame.Manifest manifest)) {
            throw new MalformedFrameException(
                    manifestAt, 0, "expected MANIFEST as the first frame, found " + first.type());
        }
        List<PluginRegistry.Entry> entries = registry.entriesInUse();
        pipeline = Pipeline.assemble(Side.DESTINATION, machine, pluginsOf(entries));
        pin(pipeline, entries);
        checkStillRegistered(registry, entries);
        checkAborted();
        stages = StageRunner.destination(pipeline, machine, this, counters);
        HandlerRegistration[] routes = route(manifest.sections());
        if (answers != null) {
            answers.writeAccept(); // the source waits for this before it sends any state
        }

        ownWork(() -> stages.run(Stage.LOAD_SETUP, 0));
        setStatus(MigrationStatus.ACTIVE);
        while (true) {
            StreamTotals read = loadFrames(frames, answers, routes, manifest.sections());
            DestinationMarks marks = new DestinationMarks(ticker);
            // Not own work for the watchdog: the source waits for the ACK at most switchover-timeout
            // from END, so a LOAD_COMPLETE that runs longer fails here too, before the ACK.
            completing = true;
            try {
                stages.run(Stage.LOAD_COMPLETE, counters.iterations, marks);
            } finally {
                completing = false;
            }
            if (answers == null) {
                frames.expectEndOfStream(); // a snapshot ends at END: anything after it was not written by a source
                break;
            }
            frames.checkNothingAfterLastSegment(); // what channels 1.. carried while LOAD_COMPLETE ran
            ownWork(() -> acknowledge(answers, read, marks)); // the wait for COMMIT counts from the ACK
            frames.readOnAfterEnd();
            if (awaitCommit(frames, marks)) {
                // Committed: a run-state listener that throws is logged, the machine is the destination's now.
                bestEffort(
                        "starting the machine",
                        () -> claim.changeRunState(params.runOnDestination() ? RunState.RUNNING : RunState.PAUSED));
                marks.mark(Timeline.RUNNING);
                Frame.Report report = new Frame.Report(marks.takeNew());
                report(answers, report);
                decisionLog.tellSourceItRuns(report);
                return;
            }
            learnedNanos = marks.at(Timeline.ACK_WRITTEN); // this side's part of the void attempt
            revertAttempt();
        }
        claim.changeRunState(params.runOnDestination() ? RunState.RUNNING : RunState.PAUSED);
    }

    /**
     * The header of channel {@code index} of {@code count} arrived channels: it must say so (the
     * transport admitted the channels of one stream, by its id).
     */
    private static void checkHeader(StreamHeader h, int index, int count) throws MalformedFrameException {
        if (h.channelIndex() != index || h.channelCount() != count) {
            throw new MalformedFrameException(
                    0,
                    StreamFormatException.HEADER,
                    "channel " + h.channelIndex() + " of "
                            + h.channelCount() + " arrived as channel " + index + " of " + count
                            + (count == 1 ? ": this transport carries one channel; several need tcp:" : ""));
        }
    }

    /** The source voided the attempt: LOAD_REVERT drops what it made, and loading goes on. */
    private void revertAttempt() throws Exception {
        ownWork(() -> stages.run(Stage.LOAD_REVERT, counters.iterations));
        reopen();
        setStatus(MigrationStatus.ACTIVE);
    }

    /** Tells the source when the machine ran; it is committed already, so a failure to tell is only logged. */
    private void report(FrameWriter answers, Frame.Report report) {
        try {
            answers.writeReport(report);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not send the switchover REPORT to the source", e);
        }
    }

    /**
     * Answers a PING. A PONG that cannot be written fails nothing: what the source sent is still
     * to be read (its ERROR, if it gave up), and a source that is gone ends the stream anyway.
     */
    private void pong(FrameWriter answers, Frame.Ping ping) {
        if (answers == null) {
            return;
        }
        try {
            answers.writePong(new Frame.Pong(ping.stamp(), expectedNanos()));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not answer a PING: " + e.getMessage());
        }
    }

    /** How long this side expects its part of a switchover to take: declared, or measured in a void attempt. */
    private long expectedNanos() {
        return Math.max(stages.nanosEstimate(Stage.LOAD_COMPLETE), learnedNanos);
    }

    /** Applies frames up to END; returns the totals END was checked against. */
    private StreamTotals loadFrames(
            FrameReceiver frames, FrameWriter answers, HandlerRegistration[] routes, List<SectionId> sections)
            throws Exception {
        while (true) {
            checkAborted();
            FrameReceiver.Received received = frames.next();
            long at = received.offset();
            long index = received.index();
            Frame f = received.frame();
            silence.touch();
            counters.transferredBytes = frames.bytesRead();
            if (f instanceof Frame.Chunk c) {
                if (c.section() >= routes.length) {
                    throw new MalformedFrameException(
                            at, index, "CHUNK names section " + c.section() + ", the manifest has " + routes.length);
                }
                HandlerRegistration loader = routes[c.section()];
                SectionId sent = sections.get(c.section());
                ownWork(() -> loadChunk(loader, c, sent));
            } else if (f instanceof Frame.Pass p) {
                counters.iterations = p.pass();
                publish(new PassProgress(p.pass(), Map.of(), figures()));
            } else if (f instanceof Frame.Ping ping) {
                pong(answers, ping);
            } else if (f instanceof Frame.Decider d) {
                decisionLog.askAt(d, streamId.getAsLong());
            } else if (f instanceof Frame.Void) {
                revertAttempt(); // the source stepped back during COMPLETE, before END
            } else if (f instanceof Frame.Error e) {
                throw new SourceFailedException(e.message());
            } else if (f instanceof Frame.End end) {
                String mismatch = end.totals().mismatch(received.totals()).orElse(null);
                if (mismatch != null) {
                    throw new MalformedFrameException(at, index, "END does not match the stream: " + mismatch);
                }
                // The pass before END is the completion pass: the source counts only the iterative ones before it.
                counters.iterations = Math.max(0, counters.iterations - 1);
                return received.totals();
            } else {
                throw new MalformedFrameException(at, index, "unexpected " + f.type() + " frame in the stream");
            }
        }
    }

    /** Runs a step of this side's own (a handler, the ACK's write): the source is not silent while it runs. */
    private void ownWork(Step work) throws Exception {
        silence.ownWorkStarted();
        try {
            work.run();
        } finally {
            silence.ownWorkEnded();
        }
    }

    /** Sends the ACK: from here on the source may commit, so this side can no longer cancel. */
    private void acknowledge(FrameWriter answers, StreamTotals read, DestinationMarks marks) throws Exception {
        passPointOfNoReturn();
        marks.mark(Timeline.ACK_WRITTEN);
        answers.writeAck(new Frame.Ack(read, marks.takeNew()));
    }

    /** Maps manifest positions to loaders, refusing the whole stream if any section cannot be loaded. */
    private HandlerRegistration[] route(List<SectionId> sections) throws SectionRefusedException {
        HandlerRegistration[] routes = new HandlerRegistration[sections.size()];
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < sections.size(); i++) {
            SectionId s = sections.get(i);
            HandlerRegistration loader = pipeline.loaderFor(s).orElse(null);
            if (loader == null) {
                problems.add(pipeline.missingLoader(s));
            } else if (s.version() > loader.section().orElseThrow().version()) {
                problems.add("section " + s + " is newer than its handler " + loader.id() + " supports (up to v"
                        + loader.section().orElseThrow().version() + ")");
            }
            routes[i] = loader;
        }
        if (!problems.isEmpty()) {
            throw new SectionRefusedException("refused before loading anything: " + String.join("; ", problems)
                    + " (destination plugins: " + pipeline.plugins() + ")");
        }
        return routes;
    }

    private void loadChunk(HandlerRegistration loader, Frame.Chunk chunk, SectionId sent)
            throws HandlerFailedException {
        HandlerContext ctx =
                stages.context(loader, counters.iterations, Long.MAX_VALUE).streamSection(sent);
        try {
            ((ChunkLoader) loader.handler()).load(ctx, chunk.payload());
        } catch (Exception | LinkageError | AssertionError e) {
            throw new HandlerFailedException(
                    loader, new IOException("chunk of section " + sent + ": " + e.getMessage(), e));
        }
    }

    /**
     * Waits for COMMIT (true) or VOID (false: the source stepped back from this attempt); if the
     * source is lost first, this side is in doubt until {@link #resolve}d.
     */
    private boolean awaitCommit(FrameReceiver frames, DestinationMarks marks) throws Exception {
        FrameReceiver.Received received;
        try {
            received = frames.next(); // bounded by the inactivity watchdog and the transport's progress timeout
        } catch (IOException e) {
            return inDoubt(e);
        }
        long at = received.offset();
        long index = received.index();
        Frame f = received.frame();
        silence.touch();
        if (f instanceof Frame.Error e) {
            decisionLog.decided(streamId.getAsLong(), SwitchoverDecision.Verdict.ABORTED);
            throw new SourceFailedException(e.message());
        }
        if (f instanceof Frame.Void) {
            return false;
        }
        if (!(f instanceof Frame.Commit)) { // as a stream cut after the ACK: the source may have committed
            return inDoubt(new MalformedFrameException(at, index, "expected COMMIT or VOID, found " + f.type()));
        }
        marks.mark(Timeline.COMMIT_READ);
        decisionLog.decided(streamId.getAsLong(), SwitchoverDecision.Verdict.COMMITTED);
        return true;
    }

    /**
     * Acknowledged, and the source is lost: it may have committed (and stays stopped) or not (and
     * resumes), so neither running nor discarding is safe. Waits for the source's decision.
     */
    private boolean inDoubt(IOException lost) throws MigrationException, InterruptedException {
        silence.stop();
        closeChannel();
        setStatus(MigrationStatus.IN_DOUBT);
        String id = streamHex();
        LOG.log(
                Level.WARNING,
                what() + ": IN_DOUBT about stream " + id + ": acknowledged, then lost the source ("
                        + describe(lost) + "); " + decisionLog.asking()
                        + "resolve with the source's decision (ferry:resolve"
                        + " commit|abort " + id + ")");
        SwitchoverDecision given = decisionLog.awaitResolution(streamId.getAsLong());
        if (given.verdict() == SwitchoverDecision.Verdict.ABORTED) {
            throw new SourceFailedException("in doubt about stream " + id + ", resolved: the source aborted, so the"
                    + " loaded machine is discarded");
        }
        return true;
    }

    private String streamHex() {
        return DecisionDesk.hex(streamId.getAsLong());
    }

    /** An abort's reason wins (the thread's own exception is its consequence), then a cancel. */
    private MigrationException classify(Throwable t) {
        MigrationException abort = abortReason();
        if (abort != null) {
            return abort;
        }
        if (cancelRequested()) {
            return cancelled();
        }
        if (t instanceof MigrationException m) {
            return m;
        }
        return new MigrationException("incoming migration failed: " + describe(t), t);
    }

    /** Tells the source why, then reads what it still sends until it closes (see {@link #drainUntilSourceCloses}). */
    private void tellSource(FrameWriter answers, MigrationException failure) {
        if (answers == null || cancelRequested()) {
            return;
        }
        try {
            answers.writeError(new Frame.Error(failure.getMessage()));
            drainUntilSourceCloses();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not tell the source why the migration failed", e);
        }
    }

    /**
     * Reads and discards what the source still sends until it closes (it does as soon as it reads
     * the ERROR), at most {@link #DRAIN_LIMIT}: closing with unread data would reset the connection
     * and could destroy the ERROR before the source reads it.
     */
    private void drainUntilSourceCloses() throws IOException {
        FrameReceiver r = receiver;
        if (r != null) {
            try {
                r.drain(DRAIN_LIMIT.toMillis()); // its readers own the channels now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        ByteBuffer sink = ByteBuffer.allocateDirect(64 << 10);
        try (Watchdog w = Watchdog.arm(DRAIN_LIMIT, this::closeChannel)) {
            while (channel.input().read(sink.clear()) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // closed by the watchdog or reset by the source: either way the source has its answer or is gone
        }
    }

    @Override
    void closeChannel() {
        MigrationChannel ch = channel;
        try {
            if (ch != null) {
                ch.close();
            }
            endpoint.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the incoming connection", e);
        }
    }
}
