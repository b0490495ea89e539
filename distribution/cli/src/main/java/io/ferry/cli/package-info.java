/** The {@code ferry} command: demo and bench. Private to the distribution. */
package io.ferry.cli;
