/** RAM pre-copy handlers; private to the bundle. */
package io.ferry.ram.internal;
