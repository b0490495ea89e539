/** The migration engine: source and destination state machines. Private to the framework bundle. */
package io.ferry.internal.engine;
