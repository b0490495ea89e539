package io.ferry.pipeline;

/**
 * A plugin's registrations for a migration could not be assembled into a {@link Pipeline}: a
 * registration was wrong or left incomplete, a handler or section was registered twice, or an
 * attached device needs a plugin that is not there. The message names the plugin (or device) and
 * what was wrong; the migration fails before anything is sent or loaded.
 */
public class RegistrationException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RegistrationException(String message) {
        super(message);
    }

    public RegistrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
