/**
 * The vhost-net plugin's public face: where its receive queue lives in guest RAM, what its guest
 * driver reports, and the format of its section.
 */
@Export
@Version("1.0.0")
package io.ferry.vhost;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
