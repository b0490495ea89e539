package io.ferry.pipeline;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Loads the chunks of one section on the destination, in stream order. The payload has been
 * length- and checksum-verified; it is valid only during the call. Bad content must be refused
 * with an exception naming what was wrong.
 */
@ConsumerType
@FunctionalInterface
public non-sealed interface ChunkLoader extends Handler {
    void load(StageContext context, ByteBuffer payload) throws Exception;
}
