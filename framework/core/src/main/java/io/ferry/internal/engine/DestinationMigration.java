package io.ferry.internal.engine;

import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.machine.RunState;
import io.ferry.migration.HandlerFailedException;
import io.ferry.migration.MigrationCancelledException;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.SectionRefusedException;
import io.ferry.pipeline.ChunkLoader;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.MalformedFrameException;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The destination side: accept, header, manifest (refused before anything is loaded if a
 * section cannot be loaded), LOAD_SETUP, chunks routed to their section's loader, END with its
 * totals checked, LOAD_COMPLETE, ACK, wait for COMMIT, run. Until COMMIT the machine never runs;
 * on any failure it stays in {@link RunState#INMIGRATE}. Once the ACK is sent the destination is
 * past its point of no return: the source may commit at any moment, so it can no longer cancel.
 */
public final class DestinationMigration extends MigrationBase {
    private static final int RETURN_PATH_FRAME = 64 << 10;
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(5);

    private final MigrationClaim claim;
    private final Machine machine;
    private final PluginRegistry registry;
    private final MigrationParameters params;
    private final IncomingEndpoint endpoint;
    private final PluginRegistry.Listener leaveListener = this::pluginLeft;
    private final InactivityWatchdog silence;
    private volatile MigrationChannel channel;
    private volatile boolean cancelRequested;
    private volatile MigrationException abortReason;
    private boolean acknowledged; // guarded by this
    private Pipeline pipeline;

    /** @param claim the machine's claim for this migration; released when the migration ends */
    public DestinationMigration(MigrationClaim claim, Machine machine, PluginRegistry registry, MigrationParameters params,
            IncomingEndpoint endpoint) {
        this.claim = claim;
        this.machine = machine;
        this.registry = registry;
        this.params = params;
        this.endpoint = endpoint;
        this.silence = new InactivityWatchdog(params.switchoverTimeout(), this::sourceWentSilent);
    }

    public DestinationMigration start() {
        startThread("ferry-incoming-" + machine.name(), this::run);
        return this;
    }

    @Override
    public Side side() {
        return Side.DESTINATION;
    }

    @Override
    public boolean cancel() {
        synchronized (this) {
            if (status().isTerminal() || cancelRequested || acknowledged) {
                return false;
            }
            cancelRequested = true;
        }
        setStatus(MigrationStatus.CANCELLING);
        closeQuietly();
        return true;
    }

    private void abort(MigrationException reason) {
        synchronized (this) {
            if (status().isTerminal() || cancelRequested || acknowledged || abortReason != null) {
                return;
            }
            abortReason = reason;
        }
        closeQuietly();
    }

    private void pluginLeft(MigrationPlugin plugin) {
        Pipeline p = pipeline().orElse(null);
        if (p != null && p.plugins().contains(plugin.name())) {
            abort(new MigrationException("plugin " + plugin.name() + " left during the incoming migration", null));
        }
    }

    private void sourceWentSilent() {
        abort(new MigrationException("the source sent nothing for " + params.switchoverTimeout().toMillis()
                + " ms; the machine stays stopped here", null));
    }

    private void run() {
        MigrationException failure = null;
        FrameWriter answers = null;
        try {
            registry.addListener(leaveListener);
            setStatus(MigrationStatus.SETUP);
            MigrationChannel ch = endpoint.accept();
            channel = ch;
            checkAborted();
            if (ch.hasReturnPath()) {
                answers = new FrameWriter(ch.output(), RETURN_PATH_FRAME);
            }
            silence.start("ferry-incoming-watchdog-" + machine.name());
            load(ch, answers);
        } catch (Throwable t) {
            failure = classify(t);
            tellSource(answers, failure);
        } finally {
            silence.stop();
            registry.removeListener(leaveListener);
            closeQuietly();
            claim.close();
            end(failure);
        }
    }

    private void end(MigrationException failure) {
        if (failure == null) {
            setStatus(MigrationStatus.COMPLETED);
            return;
        }
        fail(failure);
        LOG.log(Level.INFO, "incoming migration into " + machine.name() + " ended: " + failure.getMessage());
        setStatus(cancelRequested ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
    }

    private void load(MigrationChannel ch, FrameWriter answers) throws Exception {
        FrameReader reader = new FrameReader(ch.input(), params.maxFrameSize());
        reader.readHeader();
        long manifestAt = reader.offset();
        Frame first = reader.next();
        silence.touch();
        if (!(first instanceof Frame.Manifest manifest)) {
            throw new MalformedFrameException(manifestAt, 0, "expected MANIFEST as the first frame, found " + first.type());
        }
        pipeline = Pipeline.assemble(Side.DESTINATION, machine, registry.snapshot());
        pin(pipeline);
        HandlerRegistration[] routes = route(manifest.sections());

        runStage(Stage.LOAD_SETUP, 0);
        setStatus(MigrationStatus.ACTIVE);
        loadFrames(reader, routes, manifest.sections());
        runStage(Stage.LOAD_COMPLETE, counters.iterations);
        if (answers != null) {
            acknowledge(answers, reader);
            awaitCommit(reader);
        } else {
            reader.expectEndOfStream(); // a snapshot ends at END: anything after it was not written by a source
        }
        claim.changeRunState(params.runOnDestination() ? RunState.RUNNING : RunState.PAUSED);
    }

    private void loadFrames(FrameReader reader, HandlerRegistration[] routes, List<SectionId> sections) throws Exception {
        while (true) {
            checkAborted();
            long at = reader.offset();
            long index = reader.frames();
            Frame f = reader.next();
            silence.touch();
            counters.transferredBytes = reader.offset();
            if (f instanceof Frame.Chunk c) {
                if (c.section() >= routes.length) {
                    throw new MalformedFrameException(at, index, "CHUNK names section " + c.section() + ", the manifest has "
                            + routes.length);
                }
                loadChunk(routes[c.section()], c, sections.get(c.section()));
            } else if (f instanceof Frame.Pass p) {
                counters.iterations = p.pass();
                publish(new PassProgress(p.pass(), Map.of(), figures()));
            } else if (f instanceof Frame.Error e) {
                throw new MigrationException(e.message(), null);
            } else if (f instanceof Frame.End end) {
                if (end.frames() != reader.frames() || end.chunkBytes() != reader.chunkBytes()) {
                    throw new MalformedFrameException(at, index, "END counts " + end.frames() + " frames / "
                            + end.chunkBytes() + " chunk bytes, but " + reader.frames() + " / " + reader.chunkBytes()
                            + " were read");
                }
                return;
            } else {
                throw new MalformedFrameException(at, index, "unexpected " + f.type() + " frame in the stream");
            }
        }
    }

    /** Sends the ACK: from here on the source may commit, so this side can no longer cancel. */
    private void acknowledge(FrameWriter answers, FrameReader reader) throws Exception {
        synchronized (this) {
            checkAborted();
            acknowledged = true;
        }
        answers.writeAck(new Frame.Ack(reader.frames(), reader.chunkBytes()));
    }

    /** Maps manifest positions to loaders, refusing the whole stream if any section cannot be loaded. */
    private HandlerRegistration[] route(List<SectionId> sections) throws SectionRefusedException {
        HandlerRegistration[] routes = new HandlerRegistration[sections.size()];
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < sections.size(); i++) {
            SectionId s = sections.get(i);
            HandlerRegistration loader = pipeline.loaderFor(s).orElse(null);
            if (loader == null) {
                problems.add("section " + s + " has no handler on the destination");
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

    private void loadChunk(HandlerRegistration loader, Frame.Chunk chunk, SectionId sent) throws HandlerFailedException {
        HandlerContext ctx = new HandlerContext(loader, counters.iterations, machine, null, Long.MAX_VALUE, null,
                this::isAborted, counters);
        try {
            ((ChunkLoader) loader.handler()).load(ctx, chunk.payload());
        } catch (Exception | LinkageError | AssertionError e) {
            throw new HandlerFailedException(loader, new IOException("chunk of section " + sent + ": " + e.getMessage(), e));
        }
    }

    private void awaitCommit(FrameReader reader) throws Exception {
        long at = reader.offset();
        long index = reader.frames();
        Frame f = reader.next(); // bounded by the inactivity watchdog
        if (f instanceof Frame.Error e) {
            throw new MigrationException(e.message(), null);
        }
        if (!(f instanceof Frame.Commit)) {
            throw new MalformedFrameException(at, index, "expected COMMIT, found " + f.type());
        }
    }

    private void runStage(Stage stage, int pass) throws Exception {
        for (HandlerRegistration h : pipeline.handlers(stage)) {
            checkAborted();
            invoke(h, new HandlerContext(h, pass, machine, null, Long.MAX_VALUE, null, this::isAborted, counters));
        }
    }

    private boolean isAborted() {
        return cancelRequested || abortReason != null;
    }

    private void checkAborted() throws MigrationException {
        if (abortReason != null) {
            throw abortReason;
        }
        if (cancelRequested) {
            throw new MigrationCancelledException("incoming migration into " + machine.name() + " cancelled");
        }
    }

    private MigrationException classify(Throwable t) {
        if (cancelRequested) {
            return new MigrationCancelledException("incoming migration into " + machine.name() + " cancelled");
        }
        if (abortReason != null) {
            return abortReason;
        }
        if (t instanceof MigrationException m) {
            return m;
        }
        return new MigrationException("incoming migration failed: " + describe(t), t);
    }

    /** Tells the source why, then reads what it still sends until it closes (see {@link #drainUntilSourceCloses}). */
    private void tellSource(FrameWriter answers, MigrationException failure) {
        if (answers == null || cancelRequested) {
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
        ByteBuffer sink = ByteBuffer.allocateDirect(64 << 10);
        try (Watchdog w = Watchdog.arm(DRAIN_LIMIT, this::closeQuietly)) {
            while (channel.input().read(sink.clear()) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // closed by the watchdog or reset by the source: either way the source has its answer or is gone
        }
    }

    private void closeQuietly() {
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
