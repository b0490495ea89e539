/**
 * The machine model: run states, off-heap guest memory with tracked (vCPU) and untracked
 * (device) write paths, dirty logs and the migration bitmap, devices and vCPU workloads.
 */
@Export
@Version("1.1.0")
package io.ferry.machine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
