package io.ferry.cli;

/**
 * A migration a command ran to measure or show failed, or its destination's RAM did not match the
 * source's: the command's result is not to be trusted, and it exits with 1 (bad input and other
 * errors exit with 2).
 */
final class MigrationNotIntactException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MigrationNotIntactException(String message) {
        super(message);
    }
}
