package io.ferry.cli;

import com.google.common.base.Stopwatch;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/** One timed Ferry migration over loopback TCP, source and destination in this process, verified. */
final class FerryRun {
    /** How the exception of a migration that failed, or did not verify or end, begins. */
    static final String NOT_INTACT = "bench migration did not ";

    private FerryRun() {}

    /**
     * What one migration took: wall time, the CPU time of the whole process over the same span
     * (both ends and every thread; with N cores at most N times the wall time), and the JIT's
     * total compilation time gained over it (the elapsed time of the compiles that ended then).
     */
    record Result(long millis, long cpuMillis, long jitMillis, MigrationFigures figures) {}

    /**
     * Migrates {@code sourceRam} into {@code destinationRam} with the source paused or running
     * idle; the time runs from the migrate call to the source's completion.
     */
    static Result migrate(
            Migrator migrator,
            MigrationParameters params,
            GuestMemory sourceRam,
            GuestMemory destinationRam,
            BenchCase.State state,
            MigrationListener... listeners)
            throws Exception {
        return migrate(migrator, params, sourceRam, destinationRam, state, UnaryOperator.identity(), listeners);
    }

    /** As above, the destination accepting through {@code endpointView} of its endpoint (to see the channels it accepts). */
    static Result migrate(
            Migrator migrator,
            MigrationParameters params,
            GuestMemory sourceRam,
            GuestMemory destinationRam,
            BenchCase.State state,
            UnaryOperator<IncomingEndpoint> endpointView,
            MigrationListener... listeners)
            throws Exception {
        MemoryFill.zero(destinationRam); // as a fresh destination has it; outside the timing
        // The bench reuses both memories, pre-faulted, across runs: the machines hand them on unfreed
        // once the run is intact (a memory belongs to one machine at a time). They hold no thread (no vCPU).
        Machine source = Machine.create("bench-source", sourceRam);
        Machine destination = Machine.incoming("bench-destination", destinationRam);
        try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), params.transport())) {
            source.start();
            if (state == BenchCase.State.paused) {
                source.pause();
            }
            Migration in = migrator.incoming(destination, endpointView.apply(endpoint), params);
            long jitBefore = ProcessCounters.compileMillis();
            long cpuBefore = ProcessCounters.cpuNanos();
            Stopwatch watch = Stopwatch.createStarted();
            Migration out = migrator.migrate(source, endpoint.address(), params, listeners);
            MigrationFigures f = awaitEnd(out, Duration.ofMinutes(10));
            long millis = watch.elapsed(TimeUnit.MILLISECONDS);
            long cpuMillis = TimeUnit.NANOSECONDS.toMillis(ProcessCounters.cpuNanos() - cpuBefore);
            long jitMillis = ProcessCounters.compileMillis() - jitBefore;
            awaitEnd(in, Duration.ofMinutes(1));
            if (f.status() != MigrationStatus.COMPLETED
                    || in.status() != MigrationStatus.COMPLETED
                    || !sourceRam.contentEquals(destinationRam)) {
                throw new MigrationNotIntactException(NOT_INTACT + "arrive intact: source " + f.status()
                        + " "
                        + out.failure().map(Throwable::getMessage).orElse("") + ", destination " + in.status() + " "
                        + in.failure().map(Throwable::getMessage).orElse(""));
            }
            source.closeKeepingMemory();
            destination.closeKeepingMemory();
            return new Result(millis, cpuMillis, jitMillis, f);
        }
    }

    /** The migration's figures once it ended; one that does not end within {@code limit} failed the run. */
    static MigrationFigures awaitEnd(Migration m, Duration limit) throws InterruptedException {
        try {
            return m.await(limit);
        } catch (TimeoutException e) {
            m.cancel();
            throw new MigrationNotIntactException(NOT_INTACT + "end within " + limit.toMinutes() + " minute(s): "
                    + m.status() + m.failure().map(t -> " " + t.getMessage()).orElse(""));
        }
    }
}
