/**
 * The ITS plugin's public face: its section and handler ids, and the guest-RAM region its device
 * model reserves (so other workloads can keep out of it).
 */
@Export
@Version("1.0.0")
package io.ferry.its;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
