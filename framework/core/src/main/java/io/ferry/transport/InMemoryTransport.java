package io.ferry.transport;

import java.io.IOException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;

/**
 * Two connected channel ends in one process, made of two {@link Pipe}s (stream and return
 * path). For tests that need no sockets; behaves like TCP: closing an end unblocks its own reads
 * and writes, and the peer reads what was sent, then end of stream.
 */
public final class InMemoryTransport {
    private final MigrationChannel source;
    private final MigrationChannel destination;

    private InMemoryTransport(Pipe forward, Pipe back) {
        this.source = end("memory source", forward.sink(), back.source());
        this.destination = end("memory destination", back.sink(), forward.source());
    }

    public static InMemoryTransport open() throws IOException {
        return new InMemoryTransport(Pipe.open(), Pipe.open());
    }

    /** The source's end: writes the stream, reads the return path. */
    public MigrationChannel sourceEnd() {
        return source;
    }

    /** The destination's end: reads the stream, writes the return path. */
    public MigrationChannel destinationEnd() {
        return destination;
    }

    private static MigrationChannel end(String name, Pipe.SinkChannel out, Pipe.SourceChannel in) {
        return new MigrationChannel() {
            @Override
            public GatheringByteChannel output() {
                return out;
            }

            @Override
            public ReadableByteChannel input() {
                return in;
            }

            @Override
            public boolean hasReturnPath() {
                return true;
            }

            @Override
            public String describe() {
                return name;
            }

            @Override
            public void close() throws IOException {
                // Like closing a socket: the peer reads what was sent, then end of stream.
                try {
                    out.close();
                } finally {
                    in.close();
                }
            }
        };
    }
}
