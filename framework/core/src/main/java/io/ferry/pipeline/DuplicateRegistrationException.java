package io.ferry.pipeline;

/** A second registration of the same handler id on a stage, or of the same section by two owners. */
public final class DuplicateRegistrationException extends RegistrationException {
    private static final long serialVersionUID = 1L;

    public DuplicateRegistrationException(String message) {
        super(message);
    }
}
