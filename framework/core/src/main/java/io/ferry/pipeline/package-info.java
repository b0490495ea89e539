/**
 * The plugin contract: stages as ordered extension points, priorities, sections, and the
 * {@link io.ferry.pipeline.MigrationPlugin} service that registers handlers on them.
 */
@Export
@Version("1.1.0")
package io.ferry.pipeline;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
