package io.ferry.testkit;

import io.ferry.stream.FrameWriter;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link MigrationChannel} that injects a {@link Fault} into what its owner writes. It never
 * modifies the caller's buffers (they may be views of guest RAM): a flipped byte is sent from a
 * buffer of its own.
 */
public final class FaultyChannel implements MigrationChannel {
    private final MigrationChannel inner;
    private final Fault fault;
    private final Output output;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final boolean sourceReachable;
    private volatile boolean silenced;
    /** This side hears nothing more: set before the frame a silence follows is written, so no answer to it races in. */
    private volatile boolean deaf;
    /** The link is cut: nothing more arrives, not even bytes already in the socket's buffer. */
    private volatile boolean cut;

    private Input input;

    public FaultyChannel(MigrationChannel inner, Fault fault) {
        this(inner, fault, true);
    }

    /**
     * @param sourceReachable whether the destination can still reach the source's decision port
     *     (announced from this channel's local address); false: the source opens none, as if
     *     unreachable, so an in-doubt destination waits for the operator
     */
    public FaultyChannel(MigrationChannel inner, Fault fault, boolean sourceReachable) {
        this.inner = inner;
        this.fault = fault;
        this.output = new Output();
        this.sourceReachable = sourceReachable;
    }

    @Override
    public GatheringByteChannel output() {
        return output;
    }

    @Override
    public synchronized ReadableByteChannel input() throws IOException {
        if (input == null) {
            input = new Input(inner.input());
        }
        return input;
    }

    @Override
    public boolean hasReturnPath() {
        return inner.hasReturnPath();
    }

    @Override
    public void complete() throws IOException {
        inner.complete();
    }

    @Override
    public String describe() {
        return inner.describe() + " with " + fault;
    }

    @Override
    public java.util.Optional<java.net.InetSocketAddress> localAddress() {
        return sourceReachable ? inner.localAddress() : java.util.Optional.empty();
    }

    /**
     * Closes this end. On a silent link the close does not reach the peer either (a partition): the
     * connection is drained and closed once the peer gives up and closes its end.
     */
    @Override
    public void close() throws IOException {
        closed.countDown();
        if (!silenced && !deaf) {
            inner.close();
            return;
        }
        Thread drain = new Thread(this::drainUntilPeerCloses, "ferry-silent-link");
        drain.setDaemon(true);
        drain.start();
    }

    private void drainUntilPeerCloses() {
        ByteBuffer sink = ByteBuffer.allocate(64 << 10);
        try {
            while (inner.input().read(sink.clear()) >= 0) {
                // what the peer still sends is lost in the partition
            }
        } catch (IOException e) {
            // the peer reset the connection: it is gone either way
        } finally {
            try {
                inner.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }

    /** Once the link is silent, a read returns nothing (what it got is dropped) until the channel is closed. */
    private final class Input implements ReadableByteChannel {
        private final ReadableByteChannel in;

        Input(ReadableByteChannel in) {
            this.in = in;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (silenced || deaf) {
                return silence();
            }
            if (cut) {
                throw new ClosedChannelException();
            }
            int pos = dst.position();
            int n = in.read(dst);
            if (silenced || deaf) {
                dst.position(pos);
                return silence();
            }
            if (cut) { // an answer that raced the cut never crossed it
                dst.position(pos);
                throw new ClosedChannelException();
            }
            return n;
        }

        private int silence() throws IOException {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted on a silent link");
            }
            throw new ClosedChannelException();
        }

        @Override
        public boolean isOpen() {
            return in.isOpen();
        }

        @Override
        public void close() throws IOException {
            FaultyChannel.this.close();
        }
    }

    private final class Output implements GatheringByteChannel {
        private long written;
        private boolean flipped;
        private boolean fired;

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (fault instanceof Fault.LinkFails link) {
                return failLink(link, srcs, offset, length);
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                while (srcs[i].hasRemaining()) {
                    int n = write(srcs[i]);
                    total += n;
                    if (n == 0) {
                        return total;
                    }
                }
            }
            return total;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (fault instanceof Fault.DropAfter drop) {
                long room = drop.bytes() - written;
                if (room <= 0) {
                    inner.close();
                    throw new IOException("injected fault: connection dropped after " + drop.bytes() + " bytes");
                }
                return pass(src, (int) Math.min(room, src.remaining()));
            }
            Fault.FlipByte flip = (Fault.FlipByte) fault;
            long until = flip.offset() - written;
            if (flipped || until >= src.remaining()) {
                return pass(src, src.remaining());
            }
            if (until > 0) {
                return pass(src, (int) until);
            }
            ByteBuffer one = ByteBuffer.allocate(1).put(0, (byte) (src.get(src.position()) ^ flip.mask()));
            while (one.hasRemaining()) {
                inner.output().write(one);
            }
            src.position(src.position() + 1);
            written++;
            flipped = true;
            return 1;
        }

        /** The frame writer hands each frame over whole: header, payload parts, trailer. */
        private long failLink(Fault.LinkFails link, ByteBuffer[] srcs, int offset, int length) throws IOException {
            ByteBuffer first = srcs[offset];
            boolean match = !fired
                    && length >= 2
                    && first.remaining() == FrameWriter.FRAME_HEADER
                    && srcs[offset + length - 1].remaining() == FrameWriter.FRAME_TRAILER
                    && (first.get(first.position()) & 0xFF) == link.frame().code();
            if (match && !link.afterIt()) {
                fail(link);
            }
            if (match && !link.silent()) {
                cut = true; // from the frame on, this side hears nothing: the peer's answer to it is lost too
            } else if (match) {
                deaf = true; // likewise for a silence after the frame
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = silenced ? srcs[i].remaining() : pass(srcs[i], srcs[i].remaining());
                srcs[i].position(srcs[i].position() + (silenced ? n : 0));
                total += n;
            }
            if (match && link.afterIt()) {
                fail(link);
            }
            return total;
        }

        private void fail(Fault.LinkFails link) throws IOException {
            fired = true; // fails once
            if (link.silent()) {
                silenced = true;
                return;
            }
            inner.close();
            if (!link.afterIt()) { // after it, the frame was written: the next write or read finds the link cut
                throw new IOException("injected fault: link cut before " + link.frame());
            }
        }

        private int pass(ByteBuffer src, int n) throws IOException {
            int limit = src.limit();
            src.limit(src.position() + n);
            int done = 0;
            try {
                while (src.hasRemaining()) {
                    done += inner.output().write(src);
                }
            } finally {
                src.limit(limit);
            }
            written += done;
            return done;
        }

        @Override
        public boolean isOpen() {
            try {
                return inner.output().isOpen();
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            FaultyChannel.this.close();
        }
    }
}
