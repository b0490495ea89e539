/** The framework's OSGi wiring (Declarative Services); private to the bundle, unused in plain Java. */
package io.ferry.internal.osgi;
