package io.ferry.its.internal;

/** A mapping change that breaks a rule of the ITS (an unmapped device, an ITT outside RAM, ...). */
public final class InvalidMappingException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidMappingException(String message) {
        super(message);
    }
}
