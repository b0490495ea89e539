package io.ferry.its.internal;

/** A table in guest RAM that cannot be restored: an entry with reserved bits, an ITT outside RAM, ... */
public final class CorruptTableException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptTableException(String message) {
        super(message);
    }
}
