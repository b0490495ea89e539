/** The RAM plugin's public face: its section and chunk format constants. */
@Export
@Version("1.1.0")
package io.ferry.ram;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
