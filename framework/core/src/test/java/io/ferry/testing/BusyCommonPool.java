package io.ferry.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * For tests: keeps every thread of the common pool busy until closed, as a program that embeds
 * Ferry can (parallel streams, blocking reads). CompletableFuture's async methods use the common
 * pool from 3 processors on and a thread per task below that, so only there does this starve them.
 */
public final class BusyCommonPool implements AutoCloseable {
    private static final long HOLD_SECONDS = 60;

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<CompletableFuture<Void>> tasks = new ArrayList<>();

    private BusyCommonPool() {}

    /** Occupies the common pool's threads, and one task more waits in its queue. */
    public static BusyCommonPool occupy() {
        BusyCommonPool busy = new BusyCommonPool();
        for (int i = 0; i < ForkJoinPool.getCommonPoolParallelism() + 1; i++) {
            busy.tasks.add(CompletableFuture.runAsync(busy::hold));
        }
        return busy;
    }

    /**
     * Holds a pool thread without telling the pool it blocks (a latch's await would, and the pool
     * would add a thread to make up for it), as a busy task or a blocking read does.
     */
    private void hold() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HOLD_SECONDS);
        while (release.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException, ExecutionException, TimeoutException {
        release.countDown();
        CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
}
