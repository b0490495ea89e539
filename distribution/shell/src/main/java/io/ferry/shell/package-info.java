/**
 * What the shell and the {@code ferry} command line share: the synthetic machine they build
 * ({@link io.ferry.shell.MachineSpec}) and the progress line they draw ({@link io.ferry.shell.ProgressLine}).
 */
@Export
@Version("0.2.0")
package io.ferry.shell;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
