package io.ferry.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Emits chunks of the calling handler's section. A chunk is written as one frame, gathered
 * from its parts without copying them; the parts are consumed. Emitting blocks while the
 * bandwidth limit is exceeded.
 */
@ProviderType
public interface ChunkSink {
    /** Largest payload one chunk may carry. */
    int maxChunkSize();

    /** Emits one chunk whose payload is the remaining bytes of {@code parts[offset..offset+length)}. */
    void emit(ByteBuffer[] parts, int offset, int length) throws IOException;

    /** Emits one chunk with the remaining bytes of {@code payload}. */
    default void emit(ByteBuffer payload) throws IOException {
        emit(new ByteBuffer[] {payload}, 0, 1);
    }

    /**
     * Emits one chunk like {@link #emit(ByteBuffer[], int, int)}, but the sink may write it later,
     * on another thread (a several-channel migration has a writer thread per extra channel): the
     * parts and their buffers stay the sink's until {@code released} has run. It runs exactly
     * once, on any thread: after the write, or once the write will never happen because the
     * migration failed or was cancelled. Failures show at a later emit or at the pass's end.
     * The default writes at once, then releases.
     */
    default void emitLater(ByteBuffer[] parts, int offset, int length, Runnable released) throws IOException {
        try {
            emit(parts, offset, length);
        } finally {
            released.run();
        }
    }

    /**
     * Whether {@link #emitLater} always writes the chunk before it returns, as the default does,
     * and without first waiting for bandwidth: then a caller may hand over buffers that must not
     * change only until it returns, and hold something meanwhile (RAM's sender hands guest pages
     * themselves while every other writer of guest RAM waits). False on a several-channel
     * migration's RAM section, whose extra channels write on threads of their own, and under a
     * bandwidth limit, whose waits would hold those writers too. A sink whose {@code emitLater}
     * may write later must say false.
     */
    default boolean emitsAtOnce() {
        return true;
    }
}
