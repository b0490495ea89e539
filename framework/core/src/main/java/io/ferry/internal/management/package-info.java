/**
 * JMX: every migration as an MXBean in the platform MBean server, under
 * {@code io.ferry:type=Migration,machine=NAME,id=N}. Private to the framework bundle;
 * {@link io.ferry.migration.Migrator} hooks it into every migration it starts,
 * and {@link io.ferry.migration.Migrator#close()} unregisters them.
 */
package io.ferry.internal.management;
