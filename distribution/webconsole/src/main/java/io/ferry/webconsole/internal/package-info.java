/** The Ferry page of the Felix Web Console; private to its bundle. */
package io.ferry.webconsole.internal;
