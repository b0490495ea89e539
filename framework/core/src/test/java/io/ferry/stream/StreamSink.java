package io.ferry.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/** For tests: frames written to any {@link OutputStream} (a byte array, a socket), flushed after each write. */
public record StreamSink(OutputStream out) implements GatheringByteChannel {
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            byte[] b = new byte[srcs[i].remaining()];
            srcs[i].get(b);
            out.write(b);
            n += b.length;
        }
        out.flush();
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
