package io.ferry.its.internal;

/** A 32-byte queue entry that is not a well-formed command: unknown opcode, reserved bits set, a field out of range. */
public final class MalformedCommandException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedCommandException(String message) {
        super(message);
    }
}
