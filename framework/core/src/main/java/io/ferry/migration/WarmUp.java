package io.ferry.migration;

import static com.google.common.base.Preconditions.checkState;
import static io.ferry.migration.MigrationParameters.DEFAULT_MAX_FRAME_SIZE;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.TransportOptions;
import io.ferry.transport.Transports;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The process warm-up of {@link Migrator#warmUp()}: a few small migrations between two throwaway
 * machines over loopback TCP, with the migrator's plugins, on a daemon thread. A first migration
 * in a fresh JVM pays for class loading and for the JIT compiling the send, receive, CRC and
 * copy loops while it runs (on two cores the compiler threads take CPU from the stream); these
 * rounds pay it before the user's migration. Alternating paused and running (idle) sources with
 * random and half-zero pages reach the normal, zero and DIRTY_SYNC paths.
 *
 * <p>Plain rounds mostly use the smallest frames ({@link #SMALL_FRAME}): code that runs once per
 * frame (framing, checksum calls, a RAM batch's decoding and apply) is compiled by C2 only after
 * thousands of calls, and 1 MiB frames would need gigabytes of warm-up to get there; a user's
 * first migrations then shared the two cores with the compiler. How many calls it takes depends on
 * the compile queue, which the warm-up itself keeps long: with twelve rounds (about 8,400 frames)
 * the per-frame methods reached C2 only at 8,700-10,900 calls, inside the user's first two 1 GiB
 * migrations (193 ms of C2 time for {@code SectionSink.emitLater} alone, read from
 * {@code -XX:+LogCompilation}). Twenty-four rounds, the small ones mostly of random pages (about
 * 1,400 frames each), make about 20,000 frames, and those methods are compiled before the warm-up
 * ends. Every third round uses the default frames, so the profile C2 compiles from has seen full
 * batches too and the first real migration does not hit paths compiled as never taken.
 * Rounds over TLS only have the TLS engine left to warm (the plain warm-up did the rest): fourteen
 * rounds of default frames, about 4,000 records of 16 KiB a round, ten of them on one channel
 * (see {@link #channels} for the other four). With four rounds in all, the engine's per-record
 * methods ({@code SSLEngineImpl.writeRecord}, {@code readRecord}) were still compiled by C2 inside
 * the user's first TLS migration, about 170 ms of compiler time ({@code -XX:+LogCompilation}).
 */
final class WarmUp {
    /** Guest RAM of each warm-up machine: big enough for the JIT's thresholds, small enough to stay cheap. */
    static final long RAM = 64L << 20;

    static final int PLAIN_ROUNDS = 24;

    static final int TLS_ROUNDS = 14;

    /** Frame size of most plain rounds: the smallest allowed, 12 pages a batch, about 1,400 frames per round of random pages. */
    static final int SMALL_FRAME = 64 << 10;

    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(2);

    /** How long the JIT must have compiled nothing for the warm-up to end. */
    static final Duration COMPILER_QUIET = Duration.ofMillis(200);

    /** The most the warm-up waits for the JIT after its rounds. */
    static final Duration COMPILER_LIMIT = Duration.ofSeconds(5);

    private static final Duration COMPILER_POLL = Duration.ofMillis(20);

    /** Socket waits run once the rounds end: more than C2's thresholds ({@link #warmSocketWaits}). */
    static final int SOCKET_WAITS = 20_000;

    /** The most rounds run after the JIT's first quiet, each followed by another quiet. */
    static final int SETTLE_ROUNDS = 3;

    /** A settling round that compiles less than this ends the warm-up. */
    static final Duration SETTLED = Duration.ofMillis(30);

    private final Migrator migrator;
    private final TransportOptions transport;
    private final CompletableFuture<Duration> done = new CompletableFuture<>();
    /** Counted down when the rounds' thread ends: {@link #done} is handed out, and callers may complete it. */
    private final CountDownLatch ended = new CountDownLatch(1);

    private volatile boolean yielded;
    /** The last round's machines: closing them frees the warm-up's guest RAM when it ends. */
    private Machine lastSource;

    private Machine lastDestination;

    /** Rounds over {@code transport}: plain TCP, or TLS with a host's credentials (it is both ends). */
    WarmUp(Migrator migrator, TransportOptions transport) {
        this.migrator = migrator;
        this.transport = transport;
    }

    /** Starts the rounds on a daemon thread; {@link #done()} completes when they end. */
    WarmUp start() {
        Thread t = new Thread(this::run, "ferry-warm-up");
        t.setDaemon(true);
        t.start();
        return this;
    }

    /**
     * Starts the rounds once {@code first} has ended, however it ended: a TLS warm-up after the
     * plain one, so the two do not compete for the cores and the JIT (run together, the plain
     * rounds' code was still being compiled during the user's first migration: 640-760 ms of
     * compile time in the first 1 GiB migration of {@code ferry tls-cost}, against 277-353 ms with
     * the TLS rounds after the plain ones and {@link #awaitCompilerQuiet}).
     */
    WarmUp startAfter(CompletableFuture<?> first) {
        first.whenComplete((result, failure) -> start());
        return this;
    }

    CompletableFuture<Duration> done() {
        return done;
    }

    /** Waits at most {@code bound} for the rounds' thread to end; whether it has. */
    boolean awaitEnd(Duration bound) throws InterruptedException {
        return ended.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A real migration starts: finish the round in progress and run no more, so as not to compete with it. */
    void yieldTo() {
        yielded = true;
    }

    private void run() {
        long start = System.nanoTime();
        try {
            if (yielded) { // yielded or stopped before it started: no round, no guest RAM
                done.complete(Duration.ZERO);
                return;
            }
            GuestMemory source = GuestMemory.of(RAM);
            GuestMemory destination = GuestMemory.of(RAM);
            int rounds = transport.tls() ? TLS_ROUNDS : PLAIN_ROUNDS;
            for (int round = 0; round < rounds && !yielded; round++) {
                boolean small = !transport.tls() && round % 3 != 0;
                MemoryFill.random(source, round, round % 4 == 1 ? 0.5 : 0);
                MemoryFill.zero(destination);
                migrate(
                        source,
                        destination,
                        round % 2 == 1,
                        small ? SMALL_FRAME : DEFAULT_MAX_FRAME_SIZE,
                        channels(round));
            }
            warmSocketWaits();
            awaitCompilerQuiet();
            settle(source, destination, rounds);
            // Only after rounds that all completed: a migration cut short may still touch the memory.
            closeLastMachines();
            done.complete(Duration.ofNanos(System.nanoTime() - start));
        } catch (Exception | Error e) {
            done.completeExceptionally(e);
        } finally {
            ended.countDown();
        }
    }

    /**
     * Runs the JDK's wait for a ready socket ({@code Selector.select} with a timeout, as a link
     * waits on a full or empty socket) {@link #SOCKET_WAITS} times on a loopback socket that is
     * writable, so always ready. A 1 GiB migration waits on its full socket thousands of times; the
     * rounds' 64 MiB rarely fill it, and the selector's code ({@code SelectorImpl.lockAndDoSelect},
     * {@code EPollSelectorImpl.doSelect}) was compiled inside the user's first migration, 52 ms of
     * it in one {@code -XX:+LogCompilation} run.
     */
    private void warmSocketWaits() throws IOException {
        try (ServerSocketChannel server =
                        ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel accepted = server.accept();
                Selector writable = Selector.open()) {
            client.configureBlocking(false);
            client.register(writable, SelectionKey.OP_WRITE);
            for (int i = 0; i < SOCKET_WAITS && !yielded; i++) {
                writable.select(1);
                writable.selectedKeys().clear();
            }
        }
    }

    /**
     * Runs rounds of default frames (each a migration on one channel and one on two), each followed
     * by {@link #awaitCompilerQuiet}, until one compiles less than {@link #SETTLED} (at most
     * {@link #SETTLE_ROUNDS}). C2's thresholds grow
     * with the length of its queue ({@code -XX:Tier4LoadFeedback}), and the rounds keep that queue
     * long, so methods as hot as C2 normally asks for were not queued yet when the rounds ended:
     * the first real migration crossed the normal thresholds and compiled them, on the cores the
     * stream needs. Read from {@code -XX:+LogCompilation} in the first 1 GiB TLS migration of
     * {@code ferry tls-cost}: 382 ms of compiling, {@code ECOperations.setDouble} of the handshake
     * at 20,736 calls and {@code TimedSocket.read} at 19,677 among them. A round after the queue
     * has drained crosses those thresholds itself.
     */
    private void settle(GuestMemory source, GuestMemory destination, int round) throws Exception {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        for (int i = 0; i < SETTLE_ROUNDS && !yielded; i++) {
            long compiledBefore = jit.getTotalCompilationTime();
            for (int channels = 1; channels <= 2 && !yielded; channels++) {
                MemoryFill.random(source, round + i, 0);
                MemoryFill.zero(destination);
                migrate(source, destination, (i + channels) % 2 == 0, DEFAULT_MAX_FRAME_SIZE, channels);
            }
            awaitCompilerQuiet();
            if (jit.getTotalCompilationTime() - compiledBefore < SETTLED.toMillis()) {
                return;
            }
        }
    }

    /**
     * Waits (at most {@link #COMPILER_LIMIT}) until the JIT has compiled nothing for
     * {@link #COMPILER_QUIET}: the rounds queue compilations faster than two cores compile them (a
     * TLS warm-up's handshakes add a long queue of elliptic-curve code), and what is still queued
     * when the rounds end is otherwise compiled during the user's first migration. Measured with
     * {@code ferry tls-cost --ram 1G --runs 2 --channels 1}, two runs each: 505 and 609 ms of
     * compile time in the first 1 GiB migration without this wait, 277-353 ms with it (four runs).
     */
    private void awaitCompilerQuiet() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + COMPILER_LIMIT.toNanos();
        long compiled = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (!yielded && System.nanoTime() < deadline) {
            Thread.sleep(COMPILER_POLL.toMillis());
            long now = jit.getTotalCompilationTime();
            if (now != compiled) {
                compiled = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= COMPILER_QUIET.toNanos()) {
                return;
            }
        }
    }

    /**
     * Two channels in rounds 2, 5, 10, 13, 18 and 21 (six of the plain rounds, four of the TLS
     * ones), paused and running sources alike: their writer threads and the destination's second
     * reader run code a single channel never reaches, and without these rounds a user's first
     * two-channel migration compiled it (plain 116-261 ms, TLS 452-1,743 ms of compiling in the
     * first 1 GiB two-channel migration of {@code ferry tls-cost --channels 1,2}). The TLS rounds on
     * one channel stay ten: with five (ten rounds, half on two channels) the first one-channel TLS
     * migration compiled 139-217 ms again.
     */
    private static int channels(int round) {
        return round % 8 == 2 || round % 8 == 5 ? 2 : 1;
    }

    private void closeLastMachines() {
        if (lastSource != null) {
            lastSource.close();
            lastDestination.close();
        }
    }

    /** Lets the next round's machines own the memories: a memory belongs to one machine at a time. */
    private void handOnLastMachines() {
        if (lastSource != null) {
            lastSource.closeKeepingMemory();
            lastDestination.closeKeepingMemory();
            lastSource = null;
            lastDestination = null;
        }
    }

    private void migrate(
            GuestMemory sourceRam, GuestMemory destinationRam, boolean running, int frameSize, int channels)
            throws Exception {
        MigrationParameters params = MigrationParameters.defaults()
                .withRunOnDestination(false)
                .withTransport(transport)
                .withMaxFrameSize(frameSize)
                .withChannels(channels);
        // The rounds reuse both memories (touched once, so no round pays first-touch page faults):
        // the last round's machines hand them on unfreed, and the last machines of all are closed
        // when the warm-up ends (closeLastMachines).
        handOnLastMachines();
        Machine source = Machine.create("ferry-warm-up", sourceRam);
        Machine destination = Machine.incoming("ferry-warm-up-destination", destinationRam);
        try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0), transport)) {
            source.start();
            if (!running) {
                source.pause();
            }
            Migration in = migrator.incoming(destination, endpoint, params);
            Migration out = migrator.migrateUnchecked(source, endpoint.address(), params);
            MigrationFigures f = out.await(ROUND_TIMEOUT);
            MigrationFigures g = in.await(ROUND_TIMEOUT);
            checkState(
                    f.status() == MigrationStatus.COMPLETED && g.status() == MigrationStatus.COMPLETED,
                    "warm-up migration ended %s / %s: %s",
                    f.status(),
                    g.status(),
                    out.failure().or(in::failure).map(Throwable::getMessage).orElse("-"));
        }
        lastSource = source;
        lastDestination = destination;
    }
}
