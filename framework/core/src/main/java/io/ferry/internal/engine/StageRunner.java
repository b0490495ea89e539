package io.ferry.internal.engine;

import com.google.common.collect.ImmutableMap;
import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.Machine;
import io.ferry.migration.HandlerFailedException;
import io.ferry.migration.LateDirtyException;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Outcome;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.SectionKey;
import io.ferry.pipeline.Stage;
import io.ferry.pipeline.StageHandler;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Runs a pinned pipeline's handlers, stage by stage, in priority order (QEMU's {@code savevm.c}):
 * builds each call's context, routes a section's chunks to its sink, and checks that guest RAM
 * stays sealed once RAM's final pass has run. On the source it also drives the registered
 * dirty-log sources ({@link SealedRam}): on before SETUP, merged at DIRTY_SYNC and before RAM's
 * final pass, checked while sealed, off at CLEANUP. Used by the migration thread only.
 */
final class StageRunner {
    private final Pipeline pipeline;
    private final Machine machine;
    private final DirtyBitmap bitmap;
    private final Map<SectionKey, SectionSink> sinks;
    private final MigrationBase migration;
    private final Counters counters;
    private final LongSupplier written;
    private final SealedRam sealed; // null on the destination
    private final MigrationParameters params;

    private StageRunner(
            Pipeline pipeline,
            Machine machine,
            DirtyBitmap bitmap,
            Map<SectionKey, SectionSink> sinks,
            MigrationBase migration,
            Counters counters,
            LongSupplier written,
            MigrationParameters params) {
        this.params = params;
        this.written = written;
        this.pipeline = pipeline;
        this.machine = machine;
        this.bitmap = bitmap;
        this.sinks = sinks;
        this.migration = migration;
        this.counters = counters;
        this.sealed = bitmap == null ? null : new SealedRam(machine.memory(), pipeline.dirtyLogs());
    }

    /** The source's runner: one sink per manifest section, in manifest order. */
    static StageRunner source(
            Pipeline pipeline,
            Machine machine,
            DirtyBitmap bitmap,
            StreamChannels out,
            Throttle throttle,
            MigrationBase migration,
            Counters counters,
            MigrationParameters params) {
        Map<SectionKey, SectionSink> sinks = new HashMap<>();
        List<SectionId> sections = pipeline.sections();
        // RAM's section (the one of RAM's final pass) is spread over the channels; every other stays on channel 0.
        Optional<SectionKey> ram = pipeline.handlers(Stage.COMPLETE).stream()
                .filter(HandlerRegistration::ramFinalPass)
                .findFirst()
                .flatMap(HandlerRegistration::section)
                .map(SectionId::key);
        for (int i = 0; i < sections.size(); i++) {
            SectionKey key = sections.get(i).key();
            sinks.put(key, new SectionSink(out, i, ram.equals(Optional.of(key)), throttle, counters));
        }
        return new StageRunner(pipeline, machine, bitmap, sinks, migration, counters, out::bytesWritten, params);
    }

    /** The destination's runner: no migration bitmap, no sinks. */
    static StageRunner destination(Pipeline pipeline, Machine machine, MigrationBase migration, Counters counters) {
        return new StageRunner(
                pipeline, machine, null, Map.of(), migration, counters, () -> 0, MigrationParameters.defaults());
    }

    HandlerContext context(HandlerRegistration h, int pass, long budget) {
        SectionSink sink = h.stage().emitsChunks()
                ? h.section().map(s -> sinks.get(s.key())).orElse(null)
                : null;
        return new HandlerContext(h, pass, machine, bitmap, budget, sink, migration::isAborted, counters, params);
    }

    /** Runs every handler of {@code stage}, checking for an abort before each. */
    void run(Stage stage, int pass) throws MigrationException {
        run(stage, pass, Marks.NONE);
    }

    /** Runs every handler of {@code stage}, marking each one's start and end. */
    void run(Stage stage, int pass, Marks marks) throws MigrationException {
        if (sealed != null) {
            if (stage == Stage.SETUP) {
                sealed.start();
            } else if (stage == Stage.DIRTY_SYNC) {
                sealed.sync(bitmap); // before the handlers: RAM's sync and those after it see every log
            } else if (stage == Stage.REVERT) {
                sealed.unseal(); // the attempt is void: the machine runs again, RAM is live
            }
        }
        for (HandlerRegistration h : pipeline.handlers(stage)) {
            migration.checkAborted();
            timed(h, context(h, pass, Long.MAX_VALUE), marks);
        }
    }

    /** Invokes {@code h}, marking "<stage> <id> start" and "... end" with the bytes it wrote. */
    private void timed(HandlerRegistration h, HandlerContext ctx, Marks marks) throws HandlerFailedException {
        String name = h.stage().name().toLowerCase(Locale.ROOT).replace('_', '-') + " " + h.id();
        long before = written.getAsLong();
        marks.mark(name + " start");
        invoke(h, ctx);
        marks.mark(name + " end", written.getAsLong() - before);
    }

    /**
     * One ITERATE pass: the handlers share {@code budget} bytes in priority order.
     *
     * @return bytes written to the stream during the pass
     */
    long iterate(int pass, long budget) throws MigrationException {
        long before = written.getAsLong();
        long left = budget;
        for (HandlerRegistration h : pipeline.handlers(Stage.ITERATE)) {
            migration.checkAborted();
            long b0 = written.getAsLong();
            invoke(h, context(h, pass, Math.max(0, left)));
            left -= written.getAsLong() - b0;
        }
        return written.getAsLong() - before;
    }

    /**
     * COMPLETE in priority order. Right before RAM's final pass the device logs are merged and RAM
     * is sealed; from then on a write to guest RAM by a handler or a device fails the migration
     * naming the writer. After each handler, {@code overBudget} may stop the attempt.
     *
     * @return false if the attempt stopped because it ran over its budget
     */
    boolean complete(int pass, Marks marks, BooleanSupplier overBudget) throws MigrationException {
        HandlerRegistration ramFinal = null;
        for (HandlerRegistration h : pipeline.handlers(Stage.COMPLETE)) {
            migration.checkAborted();
            if (h.ramFinalPass()) {
                sealed.sync(bitmap); // the devices are stopped: their last writes go in the final pass
                sealed.seal();
            }
            timed(h, context(h, pass, Long.MAX_VALUE), marks);
            if (sealed.isSealed()) {
                sealed.check(h);
            }
            long dirty = machine.memory().dirtyLog().peekCount() + bitmap.count();
            if (ramFinal != null && dirty > 0) {
                throw new LateDirtyException(h, dirty);
            }
            if (h.ramFinalPass()) {
                ramFinal = h;
                if (dirty > 0) {
                    throw new MigrationException(
                            "RAM's final pass " + h.id() + " left " + dirty + " dirty page(s) unsent");
                }
            }
            if (overBudget.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }

    /** Right before COMMIT: fails if anything wrote guest RAM since it was sealed (a device still at work). */
    void checkSealed() throws LateDirtyException {
        if (sealed != null && sealed.isSealed()) {
            sealed.check(null);
        }
    }

    /** Pages that became dirty in the migration bitmap so far, for the throttle policy. */
    long dirtiedPages() {
        return bitmap.dirtiedTotal();
    }

    /**
     * Plugins that could not undo a switchover attempt: they have COMPLETE handlers (other than
     * RAM's final pass, which is repeatable and whose pages stay valid) but no REVERT handler. A
     * REVERT registration is a plugin's declaration that it can step back on both sides.
     */
    List<String> cannotStepBack() {
        Set<String> revertible = new TreeSet<>();
        pipeline.handlers(Stage.REVERT).forEach(h -> revertible.add(h.plugin()));
        Set<String> blockers = new TreeSet<>();
        for (HandlerRegistration h : pipeline.handlers(Stage.COMPLETE)) {
            if (!h.ramFinalPass() && !revertible.contains(h.plugin())) {
                blockers.add(h.plugin());
            }
        }
        return List.copyOf(blockers);
    }

    /** The COMPLETE handlers' declared estimates: bytes beyond the pending ones. */
    long completeBytesEstimate() {
        return pipeline.handlers(Stage.COMPLETE).stream()
                .mapToLong(HandlerRegistration::estimatedBytes)
                .sum();
    }

    /** The declared time estimates of {@code stage}'s handlers, in nanoseconds. */
    long nanosEstimate(Stage stage) {
        return pipeline.handlers(stage).stream()
                .mapToLong(HandlerRegistration::estimatedNanos)
                .sum();
    }

    /** CLEANUP: every handler runs and learns the outcome; a failure is logged, never thrown (the outcome is decided). */
    void cleanup(int pass, Outcome outcome) {
        for (HandlerRegistration h : pipeline.handlers(Stage.CLEANUP)) {
            try {
                invoke(h, context(h, pass, Long.MAX_VALUE).outcome(outcome));
            } catch (MigrationException e) {
                MigrationBase.LOG.log(Level.WARNING, e.getMessage(), e.getCause());
            } catch (Throwable e) { // an Error too: cleanup goes on, the other plugins and the machine need it
                MigrationBase.LOG.log(
                        Level.ERROR, "CLEANUP handler " + h.id() + " of plugin " + h.plugin() + " failed", e);
            }
        }
        if (sealed != null) {
            sealed.end(outcome);
        }
    }

    /** The ITERATE handlers' pending estimates, summed. */
    long pendingBytes() {
        long sum = 0;
        for (HandlerRegistration h : pipeline.handlers(Stage.ITERATE)) {
            OptionalLong p = h.pending();
            if (p.isPresent()) {
                sum += p.getAsLong();
            }
        }
        return sum;
    }

    /** Bytes each section emitted since the last call, by section name (instances summed), sorted. */
    Map<String, Long> takeSectionBytes() {
        Map<String, Long> merged = new TreeMap<>();
        sinks.forEach((k, sink) -> merged.merge(k.name(), sink.takeEmitted(), Long::sum));
        return ImmutableMap.copyOf(merged);
    }

    /** Runs a stage handler, turning its exception into a {@link HandlerFailedException}. */
    static void invoke(HandlerRegistration h, HandlerContext context) throws HandlerFailedException {
        try {
            ((StageHandler) h.handler()).handle(context);
        } catch (Exception | LinkageError | AssertionError e) {
            throw new HandlerFailedException(h, e);
        }
    }
}
