/**
 * Running migrations: {@link io.ferry.migration.Migrator} starts outgoing and incoming
 * migrations; {@link io.ferry.migration.Migration} is the handle to watch or cancel one; its
 * parameters and figures follow QEMU's {@code migrate-set-parameters} and {@code query-migrate}.
 */
@Export
@Version("1.1.0")
package io.ferry.migration;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
