/**
 * The testkit every plugin's test suite builds on: machines for both ends, a harness that
 * migrates between them over a chosen transport, state assertions, and fault injection.
 */
@Export
@Version("1.1.0")
package io.ferry.testkit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
