/**
 * Ferry's wire format: a header, then length-prefixed, CRC32C-checked frames; see
 * {@code docs/stream-format.md}. Every decode error is a {@link io.ferry.stream.StreamFormatException}
 * naming the offset, the frame and what was expected.
 */
@Export
@Version("2.2.0")
package io.ferry.stream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
