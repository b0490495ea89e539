package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Reads of guest RAM from a thread other than a vCPU's pass the read gate: a read in progress ends
 * before {@link Machine#close()} frees the memory, and one that starts later is refused with a
 * clear error, never served from freed memory. A whole-memory reader passes the gate piece by
 * piece, so the release waits for one piece, not for the whole pass. A hold of writes (a
 * switchover's, until its commit) does not make a reader wait.
 */
class ReadsAtReleaseTest {
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final String RELEASED = "block ram was released with its machine";

    @Test
    void everyReadOfADeviceWaitsWhileTheReleaseExcludesReadsAndReadsOnceLetIn() throws Exception {
        GuestMemory memory = GuestMemory.of(1 << 20);
        GuestMemory copy = GuestMemory.of(1 << 20);
        memory.untracked().writeLong(4096, 0x1234);
        for (Function<MemoryAccess, Object> read : everyRead(memory, copy)) {
            AtomicReference<Object> result = new AtomicReference<>();
            Thread device = new Thread(() -> result.set(read.apply(memory.untracked("nic0"))), "nic0-read");
            AutoCloseable excluded = memory.writeGate.excludeReads(); // as the release does
            try {
                device.start();
                awaitParkedOrEnded(device);
                assertThat(device.isAlive())
                        .as("the read waits while reads are excluded")
                        .isTrue();
            } finally {
                excluded.close();
            }
            device.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
            assertThat(device.isAlive()).as("the read ends once let in").isFalse();
            assertThat(result.get()).isNotNull();
        }
    }

    /**
     * A switchover holds writes from its last seal check until its commit; a read meanwhile (a
     * {@code ferry:verify} of the source, which ShellInDoubtIT takes while the switchover is held
     * after the ACK) must not wait for the commit.
     */
    @Test
    void noReadWaitsForAHoldOfWrites() throws Exception {
        GuestMemory memory = GuestMemory.of(1 << 20);
        GuestMemory copy = GuestMemory.of(1 << 20);
        memory.untracked().writeLong(4096, 0x1234);
        try (WritesHeld held = memory.holdWrites()) {
            for (Function<MemoryAccess, Object> read : everyRead(memory, copy)) {
                CompletableFuture<Object> result = CompletableFuture.supplyAsync(
                        () -> read.apply(memory.untracked("monitor")), r -> new Thread(r, "monitor").start());
                assertThat(result.get(10, TimeUnit.SECONDS))
                        .as("read while writes are held")
                        .isNotNull();
            }
        }
    }

    private static List<Function<MemoryAccess, Object>> everyRead(GuestMemory memory, GuestMemory copy) {
        return List.of(
                a -> a.readLong(4096),
                a -> a.readInt(4096),
                a -> read(a, 4096, 8).getLong(0),
                a -> memory.digest(),
                a -> memory.contentEquals(copy),
                a -> memory.firstDifference(copy),
                a -> memory.firstNonZero(0, memory.size()));
    }

    @Test
    void aReadStartedBeforeTheReleaseReadsItsBytesAndOneQueuedAfterIsRefused() throws Exception {
        Machine m = Machine.create("m", GuestMemory.of(1 << 20));
        m.memory().untracked().writeLong(64, 77);
        boolean reading = m.memory().writeGate.enterRead(); // a read in progress: the release waits behind it
        CompletableFuture<Object> before;
        CompletableFuture<Object> after;
        Thread closer = new Thread(m::close, "closer");
        try {
            before = readOnItsThread(() -> m.memory().untracked().readLong(64));
            closer.start();
            awaitParkedOrEnded(closer);
            after = readOnItsThread(() -> m.memory().untracked().readLong(64));
        } finally {
            m.memory().writeGate.exitRead(reading);
        }
        closer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
        assertThat(closer.isAlive()).isFalse();
        assertThat(before.get(10, TimeUnit.SECONDS))
                .as("started before the release")
                .isEqualTo(77L);
        assertThat(after.get(10, TimeUnit.SECONDS))
                .as("queued after the release")
                .isInstanceOf(IllegalStateException.class)
                .extracting(e -> ((Throwable) e).getMessage())
                .isEqualTo(RELEASED);
    }

    @Test
    void aWholeMemoryReaderSeesAReleaseBetweenItsPiecesInsteadOfHoldingTheReleaseForTheWholePass() throws Exception {
        long size = 4L << 20; // several pieces of a whole-memory read
        List<Function<GuestMemory, Object>> readers = List.of(
                g -> g.firstNonZero(0, size),
                g -> g.firstDifference(GuestMemory.of(size)),
                g -> read(g.untracked(), 0, (int) size).getLong(0));
        for (Function<GuestMemory, Object> reader : readers) {
            Machine m = Machine.create("m", GuestMemory.of(size));
            AutoCloseable excluded = m.memory().writeGate.excludeReads();
            CompletableFuture<Object> read;
            Thread closer = new Thread(m::close, "closer");
            try {
                read = readOnItsThread(() -> reader.apply(m.memory())); // waits at its first piece
                closer.start(); // queued behind it: goes in after the reader's first piece
                awaitParkedOrEnded(closer);
            } finally {
                excluded.close();
            }
            closer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
            assertThat(read.get(10, TimeUnit.SECONDS))
                    .as("a read of several pieces, released after its first")
                    .isInstanceOf(IllegalStateException.class)
                    .extracting(e -> ((Throwable) e).getMessage())
                    .isEqualTo(RELEASED);
        }
    }

    /** A parallel digest by a thread that holds writes: its workers pass the read gate, which no hold closes. */
    @Test
    void aHoldingThreadsDigestOfSeveralPiecesDoesNotWaitForItself() throws Exception {
        GuestMemory memory = GuestMemory.of(48L << 20); // three digest pieces: a parallel digest
        String before = memory.digest();
        try (WritesHeld held = memory.holdWrites()) {
            CompletableFuture<String> digest = CompletableFuture.supplyAsync(memory::digest, Runnable::run);
            assertThat(digest.get(10, TimeUnit.SECONDS)).isEqualTo(before);
        }
    }

    /**
     * Reads race close(): every read returns the bytes written or is refused with the clear error,
     * and the JVM survives (64 MiB blocks are mmap'd, and freeing them unmaps them).
     */
    @Test
    void readsRacingCloseReturnTheRightBytesOrAreRefused() throws Exception {
        long size = 64L << 20;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int rounds = 0;
        for (; rounds < 40 && System.nanoTime() < deadline; rounds++) {
            Machine m = Machine.create("race", GuestMemory.of(size));
            for (long p = 0; p < size; p += 1 << 20) {
                m.memory().untracked().writeLong(p, p + 1);
            }
            AtomicLong done = new AtomicLong();
            CompletableFuture<Object> reads = readOnItsThread(() -> readUntilRefused(m.memory(), size, done), false);
            awaitReads(done, reads);
            m.close();
            Object outcome = reads.get(10, TimeUnit.SECONDS);
            assertThat(outcome)
                    .as("round %s", rounds)
                    .isInstanceOf(IllegalStateException.class)
                    .extracting(e -> ((Throwable) e).getMessage())
                    .isEqualTo(RELEASED);
        }
        assertThat(rounds).isPositive();
    }

    private static Object readUntilRefused(GuestMemory memory, long size, AtomicLong done) {
        SplittableRandom random = new SplittableRandom(7);
        for (; ; done.incrementAndGet()) {
            long p = random.nextLong(size >>> 20) << 20;
            long v = memory.untracked().readLong(p);
            if (v != p + 1) {
                throw new AssertionError("read " + v + " at 0x" + Long.toHexString(p) + ", wrote " + (p + 1));
            }
        }
    }

    /** Waits until the reader has read a little, so close() races reads in progress. */
    private static void awaitReads(AtomicLong done, CompletableFuture<Object> reads) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (done.get() < 100 && !reads.isDone()) {
            assertThat(System.nanoTime()).as("the reader read in time").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static ByteBuffer read(MemoryAccess access, long address, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        access.read(address, dst);
        return dst;
    }

    /** Runs {@code read} on a thread of its own, and returns once it waits or has ended. */
    private static CompletableFuture<Object> readOnItsThread(Supplier<Object> read) {
        return readOnItsThread(read, true);
    }

    /** Runs {@code read} on a thread of its own; the result completes with what it returned or threw. */
    private static CompletableFuture<Object> readOnItsThread(Supplier<Object> read, boolean awaitParked) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        outcome.complete(read.get());
                    } catch (RuntimeException e) {
                        outcome.complete(e);
                    } catch (Throwable e) {
                        outcome.completeExceptionally(e);
                    }
                },
                "reader");
        t.start();
        if (awaitParked) {
            awaitParkedOrEnded(t);
        }
        return outcome;
    }

    private static void awaitParkedOrEnded(Thread t) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TERMINATED) {
            assertThat(System.nanoTime())
                    .as("%s waited or ended in time", t.getName())
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
