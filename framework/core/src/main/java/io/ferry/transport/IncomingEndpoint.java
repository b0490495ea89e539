package io.ferry.transport;

import java.io.Closeable;
import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/** The destination's listening end: accepts the one migration stream it is waiting for. */
@ProviderType
public interface IncomingEndpoint extends Closeable {
    /** The URI a source should connect to, with the bound port filled in for {@code tcp:HOST:0}. */
    MigrationUri address();

    /** A name for messages: the address by default. */
    default String describe() {
        return address().toString();
    }

    /** Waits for the source's stream. Closing the endpoint from another thread aborts the wait. */
    MigrationChannel accept() throws IOException;
}
