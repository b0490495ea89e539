/** The ferry Gogo commands; private to the shell bundle. */
package io.ferry.shell.internal;
