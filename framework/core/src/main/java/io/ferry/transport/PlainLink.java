package io.ferry.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/** Plain TCP. */
final class PlainLink implements Link {
    private final TimedSocket socket;
    private final Limits limits;
    private volatile long admissionDeadline = TimedSocket.NEVER;

    PlainLink(TimedSocket socket, Limits limits) {
        this.socket = socket;
        this.limits = limits;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return socket.read(dst, admissionDeadline, limits);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return socket.writeFully(srcs, offset, length, limits.write(), TimedSocket.NEVER, "progress-timeout");
    }

    @Override
    public void admissionDeadline(long deadline) {
        admissionDeadline = deadline;
    }

    @Override
    public Optional<String> peer() {
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "tcp " + socket.describe();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
