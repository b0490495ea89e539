package io.ferry.internal.engine;

import io.ferry.machine.Machine;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The destination side: accept, header, manifest (refused before anything is loaded if a
 * section cannot be loaded), LOAD_SETUP, chunks routed to their section's loader, END with its
 * totals checked, LOAD_COMPLETE, ACK, wait for COMMIT, run. Until COMMIT the machine never runs;
 * on any failure it stays in {@link RunState#INMIGRATE}.
 */
public final class DestinationMigration extends MigrationBase {
    private static final int RETURN_PATH_FRAME = 64 << 10;
    private static final java.time.Duration DRAIN_LIMIT = java.time.Duration.ofSeconds(5);

    private final Machine machine;
    private final PluginRegistry registry;
    private final MigrationParameters params;
    private final IncomingEndpoint endpoint;
    private volatile MigrationChannel channel;
    private volatile boolean cancelRequested;
    private volatile boolean timedOut;
    private Pipeline pipeline;

    public DestinationMigration(Machine machine, PluginRegistry registry, MigrationParameters params,
            IncomingEndpoint endpoint) {
        this.machine = machine;
        this.registry = registry;
        this.params = params;
        this.endpoint = endpoint;
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
            if (status().isTerminal() || cancelRequested) {
                return false;
            }
            cancelRequested = true;
        }
        setStatus(MigrationStatus.CANCELLING);
        closeQuietly();
        return true;
    }

    private void run() {
        MigrationException failure = null;
        FrameWriter answers = null;
        try {
            setStatus(MigrationStatus.SETUP);
            MigrationChannel ch = endpoint.accept();
            channel = ch;
            checkCancelled();
            if (ch.hasReturnPath()) {
                answers = new FrameWriter(ch.output(), RETURN_PATH_FRAME);
            }
            load(ch, answers);
        } catch (Throwable t) {
            failure = classify(t);
            if (answers != null && !cancelRequested) {
                try {
                    answers.writeError(new Frame.Error(failure.getMessage()));
                    drainUntilSourceCloses();
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.DEBUG, "could not tell the source why the migration failed", e);
                }
            }
        }
        closeQuietly();
        if (failure == null) {
            setStatus(MigrationStatus.COMPLETED);
        } else {
            fail(failure);
            LOG.log(Level.INFO, "incoming migration into " + machine.name() + " ended: " + failure.getMessage());
            setStatus(cancelRequested ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
        }
    }

    private void load(MigrationChannel ch, FrameWriter answers) throws Exception {
        FrameReader reader = new FrameReader(ch.input(), params.maxFrameSize());
        reader.readHeader();
        long manifestAt = reader.offset();
        Frame first = reader.next();
        if (!(first instanceof Frame.Manifest manifest)) {
            throw new MalformedFrameException(manifestAt, 0, "expected MANIFEST as the first frame, found " + first.type());
        }
        pipeline = Pipeline.assemble(Side.DESTINATION, machine, registry.snapshot());
        pin(pipeline);
        HandlerRegistration[] routes = route(manifest.sections());

        runStage(Stage.LOAD_SETUP, 0);
        setStatus(MigrationStatus.ACTIVE);
        while (true) {
            checkCancelled();
            long at = reader.offset();
            long index = reader.frames();
            Frame f = reader.next();
            counters.transferredBytes = reader.offset();
            if (f instanceof Frame.Chunk c) {
                if (c.section() >= routes.length) {
                    throw new MalformedFrameException(at, index, "CHUNK names section " + c.section() + ", the manifest has "
                            + routes.length);
                }
                loadChunk(routes[c.section()], c, manifest.sections().get(c.section()));
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
                break;
            } else {
                throw new MalformedFrameException(at, index, "unexpected " + f.type() + " frame in the stream");
            }
        }
        runStage(Stage.LOAD_COMPLETE, counters.iterations);
        if (answers != null) {
            answers.writeAck(new Frame.Ack(reader.frames(), reader.chunkBytes()));
            awaitCommit(reader);
        }
        machine.changeRunState(params.runOnDestination() ? RunState.RUNNING : RunState.PAUSED);
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
                () -> cancelRequested, counters);
        try {
            ((ChunkLoader) loader.handler()).load(ctx, chunk.payload());
        } catch (Exception | LinkageError | AssertionError e) {
            throw new HandlerFailedException(loader, new IOException("chunk of section " + sent + ": " + e.getMessage(), e));
        }
    }

    private void awaitCommit(FrameReader reader) throws Exception {
        Frame f;
        try (Watchdog w = Watchdog.arm(params.switchoverTimeout(), this::timeOut)) {
            f = reader.next();
        }
        if (!(f instanceof Frame.Commit)) {
            throw new MalformedFrameException(reader.offset(), reader.frames(), "expected COMMIT, found " + f.type());
        }
    }

    /**
     * Reads and discards what the source still sends until it closes (it does as soon as it reads
     * the ERROR), at most {@link #DRAIN_LIMIT}: closing with unread data would reset the connection
     * and could destroy the ERROR before the source reads it.
     */
    private void drainUntilSourceCloses() throws IOException {
        java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocateDirect(64 << 10);
        try (Watchdog w = Watchdog.arm(DRAIN_LIMIT, this::closeQuietly)) {
            while (channel.input().read(sink.clear()) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // closed by the watchdog or reset by the source: either way the source has its answer or is gone
        }
    }

    private void timeOut() {
        timedOut = true;
        closeQuietly();
    }

    private void runStage(Stage stage, int pass) throws Exception {
        for (HandlerRegistration h : pipeline.handlers(stage)) {
            checkCancelled();
            invoke(h, new HandlerContext(h, pass, machine, null, Long.MAX_VALUE, null, () -> cancelRequested, counters));
        }
    }

    private void checkCancelled() throws MigrationCancelledException {
        if (cancelRequested) {
            throw new MigrationCancelledException("incoming migration into " + machine.name() + " cancelled");
        }
    }

    private MigrationException classify(Throwable t) {
        if (cancelRequested) {
            return new MigrationCancelledException("incoming migration into " + machine.name() + " cancelled");
        }
        if (timedOut) {
            return new MigrationException("the source did not commit within " + params.switchoverTimeout().toMillis()
                    + " ms; the machine stays stopped here", t);
        }
        if (t instanceof MigrationException m) {
            return m;
        }
        return new MigrationException("incoming migration failed: " + describe(t), t);
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
