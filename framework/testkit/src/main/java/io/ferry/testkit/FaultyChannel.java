package io.ferry.testkit;

import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * A {@link MigrationChannel} that injects a {@link Fault} into what its owner writes. It never
 * modifies the caller's buffers (they may be views of guest RAM): a flipped byte is sent from a
 * buffer of its own.
 */
public final class FaultyChannel implements MigrationChannel {
    private final MigrationChannel inner;
    private final Fault fault;
    private final Output output;

    public FaultyChannel(MigrationChannel inner, Fault fault) {
        this.inner = inner;
        this.fault = fault;
        this.output = new Output();
    }

    @Override
    public GatheringByteChannel output() {
        return output;
    }

    @Override
    public ReadableByteChannel input() throws IOException {
        return inner.input();
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
    public void close() throws IOException {
        inner.close();
    }

    private final class Output implements GatheringByteChannel {
        private long written;
        private boolean flipped;

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
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
            inner.close();
        }
    }
}
