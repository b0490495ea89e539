package io.ferry.transport;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One end of a connected migration stream. The source writes frames to {@link #output()} and,
 * where there is a return path, reads the destination's answers from {@link #input()}; the
 * destination the other way round. {@link #close()} may be called from any thread and unblocks
 * a read or write in progress, which is how a migration is cancelled.
 */
@ProviderType
public interface MigrationChannel extends Closeable {
    /** Where this end writes. */
    GatheringByteChannel output() throws IOException;

    /** Where this end reads. */
    ReadableByteChannel input() throws IOException;

    /** Whether the destination can answer the source (TCP and in-memory: yes; file: no). */
    boolean hasReturnPath();

    /**
     * Called by the source once the whole stream is written (and, with a return path, acknowledged),
     * before it commits: a snapshot file is forced to disk and moved into place here, so a failed
     * or cut snapshot never replaces a good one. Throws if the stream cannot be made durable.
     */
    default void complete() throws IOException {}

    /** A human-readable name of the connection, for status and errors. */
    String describe();

    /**
     * Destination side of a several-channel migration (the {@code channels} parameter): channels
     * 1.. in index order, admitted with this one, channel 0, and closed with it. Empty for a
     * single-channel stream.
     */
    default java.util.List<MigrationChannel> companions() {
        return java.util.List.of();
    }

    /**
     * This end's own address on a TCP connection it opened (the source's side of a {@code tcp:}
     * channel): the address the peer reached it from, where a source listens for decision questions
     * ({@link DecisionPort}). Empty for files, in-memory channels and accepted connections.
     */
    default java.util.Optional<java.net.InetSocketAddress> localAddress() {
        return java.util.Optional.empty();
    }
}
