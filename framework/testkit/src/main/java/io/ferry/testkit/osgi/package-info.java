/**
 * In-OSGi testing: {@link io.ferry.testkit.osgi.FelixExtension} boots an embedded Apache Felix
 * with a folder of bundles and runs Gogo commands in it.
 */
@Export
@Version("1.1.0")
package io.ferry.testkit.osgi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
