/** The htab plugin's public face: the table's geometry and the format of its section. */
@Export
@Version("1.0.0")
package io.ferry.htab;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
