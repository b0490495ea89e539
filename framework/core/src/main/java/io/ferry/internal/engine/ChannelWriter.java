package io.ferry.internal.engine;

import io.ferry.stream.FrameWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The writer thread of one of channels 1.. of a several-channel migration: it writes, in the order
 * they were handed over, the RAM chunks and segment markers the migration thread queues, so the
 * channels' checksums and socket writes run beside the migration thread's page scan. The queue is
 * bounded by what the caller hands over (RAM's pool of batches). The first write failure is kept:
 * every later write is dropped (released, not written) and every later call throws it.
 */
final class ChannelWriter implements AutoCloseable {
    private static final long JOIN_MILLIS = 10_000;

    /** One write on this channel's frame writer. */
    @FunctionalInterface
    interface Write {
        void to(FrameWriter writer) throws IOException;
    }

    private record Task(Write write, Runnable released) {}

    private final FrameWriter writer;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Queue<Task> queue = new ArrayDeque<>();
    private int pending; // queued or being written
    private IOException failure;
    private boolean closed;
    private volatile long bytesWritten;

    ChannelWriter(FrameWriter writer, String name) {
        this.writer = writer;
        this.bytesWritten = writer.bytesWritten();
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code write}; {@code released} runs once it was written or dropped. Throws an earlier failure. */
    void submit(Write write, Runnable released) throws IOException {
        lock.lock();
        try {
            if (failure != null || closed) {
                released.run();
                throw failed();
            }
            queue.add(new Task(write, released));
            pending++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until everything queued was written; throws the first failure. Interruptible. */
    void awaitWritten() throws IOException {
        lock.lock();
        try {
            while (pending > 0) {
                changed.await();
            }
            if (failure != null || closed) {
                throw failed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + thread.getName());
        } finally {
            lock.unlock();
        }
    }

    /** Bytes written on this channel so far, headers included; readable from any thread. */
    long bytesWritten() {
        return bytesWritten;
    }

    /**
     * Stops the thread: what is still queued is released unwritten. A write in progress ends when
     * its channel is closed (the migration closes its channels first) or at the bounded join.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private IOException failed() {
        return failure != null
                ? new IOException(thread.getName() + ": an earlier write failed: " + failure.getMessage(), failure)
                : new IOException(thread.getName() + " is closed");
    }

    private void run() {
        for (Task t = next(); t != null; t = next()) {
            try {
                if (failure == null) { // only this thread sets it
                    t.write().to(writer);
                    bytesWritten = writer.bytesWritten();
                }
            } catch (Throwable e) { // an Error too: the thread must go on, or waits for the queue never end
                if (e instanceof Error) { // the migration fails with it wrapped: its trace is logged here
                    MigrationBase.LOG.log(Level.ERROR, thread.getName() + " hit " + e, e);
                }
                fail(e instanceof IOException io ? io : new IOException(e.toString(), e));
            } finally {
                t.released().run();
                done();
            }
        }
        drop();
    }

    /** The next task, or null once closed. */
    private Task next() {
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                changed.awaitUninterruptibly();
            }
            return closed ? null : queue.poll();
        } finally {
            lock.unlock();
        }
    }

    private void fail(IOException e) {
        lock.lock();
        try {
            failure = e;
        } finally {
            lock.unlock();
        }
    }

    private void done() {
        lock.lock();
        try {
            pending--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Releases what was queued and will never be written (after close). */
    private void drop() {
        while (true) {
            Task t;
            lock.lock();
            try {
                t = queue.poll();
                if (t == null) {
                    pending = 0;
                    changed.signalAll();
                    return;
                }
            } finally {
                lock.unlock();
            }
            t.released().run();
        }
    }
}
