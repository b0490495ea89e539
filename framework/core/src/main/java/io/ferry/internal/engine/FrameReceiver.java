package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.Ticker;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameBuffer;
import io.ferry.stream.FrameReader;
import io.ferry.stream.MalformedFrameException;
import io.ferry.stream.StreamTotals;
import io.ferry.transport.MigrationChannel;
import io.ferry.transport.ProgressTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The destination's receive path. Only verified frames (checksum included) reach {@link #next()}.
 *
 * <p>It reads in one of two ways, chosen by {@link #readsAhead}. <b>Reading ahead:</b> one reader
 * thread per channel reads and verifies whole frames into a bounded pool of buffers, so a socket
 * is read while the migration thread applies what came before. <b>Reading in place:</b> with one
 * channel on a host of fewer than {@link #READ_AHEAD_PROCESSORS} processors, the migration thread
 * reads, verifies and applies each frame itself, and the socket's receive buffer keeps taking data
 * meanwhile. On 2 cores the read-ahead thread only competes with the apply and with the source (on
 * the same host, as in {@code ferry bench}) for the cores, and hands every frame to another core's
 * cache: it measured slower there (ARCHITECTURE.md, "Several channels, and how the destination reads").
 *
 * <p>With several channels, {@link #next()} keeps the per-pass barrier (see {@link #eligible}):
 * channel 0 carries the stream in order, the others RAM chunks and SEGMENT markers, so no chunk of
 * pass N+1 is applied before every chunk of pass N (a page never arrives older than a copy
 * already applied).
 */
final class FrameReceiver implements AutoCloseable {
    /** Buffers each channel may have read ahead. */
    private static final int DEPTH = 4;

    /** Processors from which a single channel is read ahead on a thread of its own. */
    static final int READ_AHEAD_PROCESSORS = 4;

    private static final long POLL_MILLIS = 100;

    /**
     * How long a failure of channel 1.. waits for channel 0 to say why, where channel 0 has no
     * frame yet: a source that gives up writes ERROR on channel 0 before it closes every channel.
     */
    static final Duration CHANNEL_ZERO_GRACE = Duration.ofSeconds(1);

    /** A verified frame, where it was read, and the channel's totals once it was read. */
    record Received(Frame frame, int channel, long offset, long index, StreamTotals totals) {}

    private final List<ChannelReader> readers = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private ChannelReader lastFrom;
    private FrameBuffer lastBuffer;
    private int nextChannel;
    private volatile boolean draining;
    private static final long NOT_HELD_BACK = Long.MIN_VALUE;

    /**
     * Since when a failure of channel 1.. waits for channel 0, which has no frame yet, or
     * {@link #NOT_HELD_BACK}; guarded by lock.
     */
    private long heldBackSince = NOT_HELD_BACK;
    /** END was taken from channel 0, and nothing after it yet: only channel 0 has more to say. Guarded by lock. */
    private boolean afterEndTaken;

    private final Ticker ticker;
    private final boolean readAhead;

    /** An action that throws (unchecked) once the migration is aborted; called while waiting. */
    interface AbortCheck {
        void check() throws Exception;
    }

    private final AbortCheck abortCheck;

    /**
     * Whether {@code channels} channels are read ahead on threads of their own on a host of
     * {@code processors} processors: always with several channels, else from
     * {@link #READ_AHEAD_PROCESSORS} on.
     */
    static boolean readsAhead(int channels, int processors) {
        return channels > 1 || processors >= READ_AHEAD_PROCESSORS;
    }

    /**
     * @param channels the channels, index order, their headers read by {@code frameReaders}
     * @param readAhead whether reader threads read ahead; must be true for several channels
     */
    FrameReceiver(
            List<MigrationChannel> channels,
            List<FrameReader> frameReaders,
            boolean readAhead,
            String name,
            AbortCheck abortCheck,
            Ticker ticker) {
        checkArgument(
                !channels.isEmpty() && channels.size() == frameReaders.size(),
                "%s channels, %s readers",
                channels.size(),
                frameReaders.size());
        checkArgument(readAhead || channels.size() == 1, "%s channels must be read ahead", channels.size());
        this.abortCheck = abortCheck;
        this.ticker = ticker;
        this.readAhead = readAhead;
        for (int i = 0; i < channels.size(); i++) {
            readers.add(new ChannelReader(i, channels.get(i), frameReaders.get(i), readAhead ? DEPTH : 1));
        }
        if (readAhead) {
            readers.forEach(r -> r.start(name + "-reader-" + r.index, r::run));
        }
    }

    /** Bytes read so far, over every channel. */
    long bytesRead() {
        long sum = 0;
        for (ChannelReader r : readers) {
            sum += r.reader.offset();
        }
        return sum;
    }

    /** Direct memory allocated so far for frame bodies, over every channel (buffers replaced by larger ones included). */
    long bytesAllocated() {
        long sum = 0;
        for (ChannelReader r : readers) {
            for (FrameBuffer b : r.buffers) {
                sum += b.bytesAllocated();
            }
        }
        return sum;
    }

    /**
     * The next frame to apply, verified; a chunk's payload is valid until the next call. RAM
     * chunks of other channels come in between channel 0's frames, within the barrier.
     */
    Received next() throws Exception {
        if (!readAhead) {
            return readInPlace();
        }
        releaseLast();
        while (true) {
            abortCheck.check();
            Item item = take();
            if (item != null) {
                Received r = item.received;
                if (r.channel() == 0 || r.frame() instanceof Frame.Chunk) {
                    return r;
                }
                // Another channel's SEGMENT: counted in take(), nothing to apply.
                releaseLast();
            }
        }
    }

    /** Reads and verifies the next frame on this thread, into the one buffer (whose last frame was applied). */
    private Received readInPlace() throws Exception {
        abortCheck.check();
        ChannelReader r = readers.get(0);
        long at = r.reader.offset();
        long frameIndex = r.reader.totals().frames();
        Frame f = r.reader.next(r.free.element());
        return new Received(f, 0, at, frameIndex, r.reader.totals());
    }

    /** Takes the first eligible head, waiting at most a moment for one; null if none yet. */
    private Item take() throws Exception {
        lock.lock();
        try {
            for (int tries = 0; tries < readers.size(); tries++) {
                ChannelReader r = readers.get(nextChannel);
                nextChannel = (nextChannel + 1) % readers.size();
                Item head = r.filled.peek();
                if (head == null) {
                    continue;
                }
                if (head.failure != null) {
                    if (waitsForChannelZero(r)) {
                        continue;
                    }
                    throw head.failure;
                }
                Frame f = head.received.frame();
                if (!eligible(r, f)) {
                    continue;
                }
                if (!belongs(r, f)) {
                    throw new MalformedFrameException(
                            head.received.offset(),
                            head.received.index(),
                            r.index > 0
                                    ? "channel " + r.index + " carries only RAM chunks and SEGMENT markers, found "
                                            + f.type()
                                    : "SEGMENT on channel 0: only channels 1.. end their segments with it");
                }
                if (f instanceof Frame.End) {
                    checkNoChunkAfterLastSegment(head.received);
                }
                r.filled.poll();
                r.takenUpTo = head.end;
                r.nextFrame = head.received.index() + 1;
                if (boundary(r, f)) {
                    r.segmentsEnded++;
                    r.chunksAfterSegment = 0;
                } else if (r.index > 0) {
                    r.chunksAfterSegment++;
                }
                if (r.index == 0) {
                    heldBackSince = NOT_HELD_BACK; // channel 0 spoke: a failure held back for it waits afresh
                    afterEndTaken = f instanceof Frame.End;
                }
                lastFrom = r;
                lastBuffer = head.buffer;
                return head;
            }
            arrived.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether channel {@code r}'s failure waits for channel 0, which carries the source's reason
     * (its ERROR, written before it closes every channel) and its decision. Channel 0's next frame
     * goes first if it can be taken now. Where channel 0 has none yet: between END and what
     * follows it (COMMIT, VOID or ERROR) only channel 0 has more to say, so the failure waits for
     * it (channel 0's reads are bounded by progress-timeout); else at most
     * {@link #CHANNEL_ZERO_GRACE} from when channel 0 last spoke. After the ACK, another
     * channel's end taken for the source's would put this side in doubt about a migration the
     * source aborted or committed.
     */
    private boolean waitsForChannelZero(ChannelReader r) {
        if (r.index == 0) {
            return false;
        }
        ChannelReader first = readers.get(0);
        Item head = first.filled.peek();
        if (head != null) {
            return head.failure == null && eligible(first, head.received.frame());
        }
        if (afterEndTaken) {
            return true;
        }
        long now = ticker.read();
        if (heldBackSince == NOT_HELD_BACK) {
            heldBackSince = now;
        }
        return now - heldBackSince < CHANNEL_ZERO_GRACE.toNanos();
    }

    /** Channels 1.. carry only RAM chunks and SEGMENT, channel 0 anything but SEGMENT. */
    private static boolean belongs(ChannelReader r, Frame f) {
        return r.index > 0 ? f instanceof Frame.Chunk || f instanceof Frame.Segment : !(f instanceof Frame.Segment);
    }

    /**
     * A segment's end: PASS or VOID on channel 0, SEGMENT on the others (their reader has checked it
     * against what the channel carried in the segment).
     */
    private static boolean boundary(ChannelReader r, Frame f) {
        return r.index == 0 ? f instanceof Frame.Pass || f instanceof Frame.Void : f instanceof Frame.Segment;
    }

    /**
     * The barrier. Another channel's frame waits until channel 0 has ended the segments that channel
     * has ended; channel 0's own frames wait until every other channel has ended channel 0's ended
     * segments, and channel 0's segment end waits until they have all ended that segment too. So
     * every chunk of a segment is applied before any of the next, and before its PASS or VOID.
     */
    private boolean eligible(ChannelReader r, Frame f) {
        ChannelReader first = readers.get(0);
        if (r.index > 0) {
            return r.segmentsEnded <= first.segmentsEnded;
        }
        if (f instanceof Frame.Error) {
            return true; // the source gave up: no need to wait for anything
        }
        int needed = first.segmentsEnded + (boundary(r, f) ? 1 : 0);
        for (int i = 1; i < readers.size(); i++) {
            if (readers.get(i).segmentsEnded < needed) {
                return false;
            }
        }
        return true;
    }

    /**
     * At END: the source writes END right after the last PASS, with no chunk between, so a chunk
     * taken, or already read, from another channel after that channel's last SEGMENT was added to
     * the stream (its segment would never be checked: END's totals count channel 0 only). One read
     * later, before the ACK, is refused by {@link #checkNothingAfterLastSegment}; one read after the
     * ACK is a frame out of place after END (the wait for COMMIT says so).
     */
    private void checkNoChunkAfterLastSegment(Received end) throws MalformedFrameException {
        for (int i = 1; i < readers.size(); i++) {
            ChannelReader r = readers.get(i);
            Item head = r.filled.peek();
            boolean chunkRead = head != null && head.isVerifiedChunk();
            int n = r.chunksAfterSegment + (chunkRead ? 1 : 0);
            if (n > 0) {
                throw new MalformedFrameException(
                        end.offset(),
                        end.index(),
                        "END, and channel " + i + " carried " + n + " RAM chunk(s) after its last SEGMENT, where the"
                                + " source writes none: a chunk was added to the stream");
            }
        }
    }

    /**
     * Right before the ACK: refuses the stream if a channel 1.. has carried anything after its last
     * SEGMENT. The source writes nothing there from its last SEGMENT until it has read the ACK (the
     * SEGMENT ending a VOID's empty segment comes after it), so every byte a channel's reader has
     * consumed beyond the last frame taken from it, a frame still being read included, was added to
     * the stream. END checked what was taken or read by then; this catches what arrived while
     * LOAD_COMPLETE ran, which after the ACK could only leave this side in doubt. It looks at each
     * reader's offset and waits for nothing: waiting for the channels to fall silent or close would
     * add to every switchover's downtime (the source keeps them open for a VOID), and bytes that
     * arrive after this look cannot be told from a stream cut after the ACK anyway.
     */
    void checkNothingAfterLastSegment() throws MalformedFrameException {
        lock.lock();
        try {
            for (int i = 1; i < readers.size(); i++) {
                ChannelReader r = readers.get(i);
                long beyond = r.reader.offset() - r.takenUpTo;
                if (beyond > 0) {
                    throw new MalformedFrameException(
                            r.takenUpTo,
                            r.nextFrame,
                            "before the ACK, channel " + i + " carried " + beyond + " byte(s) after its last SEGMENT ("
                                    + chunksRead(r) + " of them in verified RAM chunks" + readFailure(r)
                                    + "), where the source writes nothing until it has the ACK: data was added to the"
                                    + " stream");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** How reading {@code r}'s queued frames failed, if it did: "; reading them failed: ...", else "". */
    private static String readFailure(ChannelReader r) {
        return r.filled.stream()
                .filter(item -> item.failure != null)
                .findFirst()
                .map(item -> "; reading them failed: " + item.failure.getMessage())
                .orElse("");
    }

    /** Chunks read on {@code r}, verified and not taken. */
    private static long chunksRead(ChannelReader r) {
        return r.filled.stream().filter(Item::isVerifiedChunk).count();
    }

    private void releaseLast() {
        if (lastBuffer != null) {
            lastFrom.free.add(lastBuffer);
            lastBuffer = null;
        }
    }

    /** After END on channel 0: its reader goes on reading (COMMIT or VOID follows). */
    void readOnAfterEnd() {
        if (readAhead) { // reading in place, the next read is simply the caller's next call
            readers.get(0).afterEnd.release();
        }
    }

    /** After END of a snapshot: checks that channel 0 ends there (its reader stopped at END). */
    void expectEndOfStream() throws IOException {
        ChannelReader r = readers.get(0);
        if (readAhead) {
            awaitParked(r);
        }
        r.reader.expectEndOfStream();
    }

    private static void awaitParked(ChannelReader r) throws IOException {
        try {
            r.parked.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the stream's end");
        }
    }

    /**
     * Reads and discards what the source still sends until it closes every channel, at most
     * {@code limitMillis}; returns whether every reader saw the end.
     */
    boolean drain(long limitMillis) throws InterruptedException {
        draining = true;
        readers.forEach(r -> {
            r.drainSignal.countDown();
            r.afterEnd.release();
        });
        if (!readAhead) {
            readers.forEach(r -> r.start("ferry-drain-" + r.index, r::discard)); // drain(long) is called once
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMillis);
        for (ChannelReader r : readers) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            r.thread.join(left);
            if (r.thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Stops the readers (the channels are closed by their owner, which ends a read in progress). */
    @Override
    public void close() {
        draining = true;
        readers.forEach(r -> {
            r.stopped = true;
            r.drainSignal.countDown();
            r.afterEnd.release();
        });
    }

    private static final class Item {
        final Received received;
        final FrameBuffer buffer;
        final Exception failure;
        /** The channel's offset after the frame: where the next one starts. */
        final long end;

        Item(Received received, FrameBuffer buffer, Exception failure, long end) {
            this.received = received;
            this.buffer = buffer;
            this.failure = failure;
            this.end = end;
        }

        boolean isVerifiedChunk() {
            return failure == null && received.frame() instanceof Frame.Chunk;
        }
    }

    /** One channel's reader thread and its buffers. */
    private final class ChannelReader {
        final int index;
        final MigrationChannel channel;
        final FrameReader reader;
        final List<FrameBuffer> buffers = new ArrayList<>();
        final BlockingQueue<FrameBuffer> free = new ArrayBlockingQueue<>(DEPTH);
        final BlockingQueue<Item> filled = new ArrayBlockingQueue<>(DEPTH + 1);
        final Semaphore afterEnd = new Semaphore(0);
        final Semaphore parked = new Semaphore(0);
        final CountDownLatch drainSignal = new CountDownLatch(1);
        int segmentsEnded; // guarded by lock
        int chunksAfterSegment; // chunks taken since its last SEGMENT; guarded by lock
        long takenUpTo; // the offset after the last frame taken (after the header at first); guarded by lock
        long nextFrame; // the ordinal of the frame after the last taken; guarded by lock
        volatile boolean stopped;
        Thread thread;

        ChannelReader(int index, MigrationChannel channel, FrameReader reader, int count) {
            this.index = index;
            this.channel = channel;
            this.reader = reader;
            this.takenUpTo = reader.offset();
            for (int i = 0; i < count; i++) { // each grows to the frames read into it
                buffers.add(new FrameBuffer(reader.bufferSize()));
            }
            free.addAll(buffers);
        }

        /** Starts {@code body} on this channel's daemon thread, named {@code name}. */
        void start(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            thread = t;
            t.start();
        }

        void run() {
            try {
                while (!draining) {
                    FrameBuffer buffer = free.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (buffer == null) {
                        continue;
                    }
                    long at = reader.offset();
                    long frameIndex = reader.totals().frames();
                    Frame f = readWaitingIdle(buffer, at); // verified: a corrupt frame never gets past here
                    Received r = new Received(f, index, at, frameIndex, reader.totals());
                    put(new Item(r, buffer, null, reader.offset())); // the buffer comes back once the frame is applied
                    if (f instanceof Frame.End) {
                        parked.release();
                        afterEnd.acquire(); // the next frames come after the ACK, or never (a snapshot)
                    }
                }
            } catch (Throwable e) { // an Error too: a reader that dies unheard stalls the barrier
                if (!stopped && !draining) {
                    put(new Item(null, null, failure(e), reader.offset()));
                }
            }
            try {
                drainSignal.await();
                discard();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * The next frame. Channels 1.. carry only RAM and segment markers, so they are quiet while
         * channel 0 carries everything else (other sections, END, the ACK's round trip, COMMIT):
         * between frames their silence is no stalled peer, and their reads wait on (a stall
         * shows on channel 0, or in the inactivity watchdog). Inside a frame progress-timeout holds.
         */
        private Frame readWaitingIdle(FrameBuffer buffer, long at) throws IOException {
            while (true) {
                try {
                    return reader.next(buffer);
                } catch (ProgressTimeoutException e) {
                    if (index == 0 || reader.offset() != at || stopped || draining) {
                        throw e;
                    }
                }
            }
        }

        private Exception failure(Throwable t) {
            if (t instanceof Error) { // the migration fails with it wrapped: its trace is logged here
                MigrationBase.LOG.log(Level.ERROR, "the reader of channel " + index + " hit " + t, t);
            }
            return t instanceof Exception e ? e : new IOException("channel " + index + "'s reader failed: " + t, t);
        }

        void discard() {
            try {
                discardUntilClosed();
            } catch (IOException e) {
                // the channel is closed or reset: nothing left to drain
            }
        }

        private void put(Item item) {
            filled.add(item); // room: each item holds one of the DEPTH buffers, and a failure ends the thread
            lock.lock();
            try {
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Draining: reads until the source closes, so that closing here does not reset the connection. */
        private void discardUntilClosed() throws IOException {
            if (stopped) {
                return;
            }
            ByteBuffer sink = ByteBuffer.allocateDirect(64 << 10);
            while (!stopped && channel.input().read(sink.clear()) >= 0) {
                // discard
            }
        }
    }
}
