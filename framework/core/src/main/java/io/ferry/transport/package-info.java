/**
 * Transports a migration stream travels over, addressed by QEMU-style URIs: {@code tcp:HOST:PORT}
 * (with a return path for the destination's acknowledgement), {@code file:PATH} (snapshots), and
 * an in-memory pair for tests.
 */
@Export
@Version("1.1.0")
package io.ferry.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
