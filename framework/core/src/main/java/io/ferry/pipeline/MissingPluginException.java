package io.ferry.pipeline;

/**
 * A device attached to the machine needs a plugin that is not registered (it left, or was never
 * deployed): the device's state would silently stay behind, so the migration is refused until the
 * plugin is back or the device is {@link io.ferry.machine.Machine#detach detached}.
 */
public final class MissingPluginException extends RegistrationException {
    private static final long serialVersionUID = 1L;

    private final String plugin;

    public MissingPluginException(String plugin, String message) {
        super(message);
        this.plugin = plugin;
    }

    /** The name of the plugin that is missing. */
    public String plugin() {
        return plugin;
    }
}
