package io.ferry.ram;

/**
 * At LOAD_COMPLETE, some guest pages never arrived: neither with data nor declared zero. The
 * destination refuses to run with RAM it did not receive (a dropped batch with its END totals
 * adjusted would otherwise go unnoticed where the fresh destination happens to hold zero).
 */
public final class IncompleteRamException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public IncompleteRamException(String message) {
        super(message);
    }
}
