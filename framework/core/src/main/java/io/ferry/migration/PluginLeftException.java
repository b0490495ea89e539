package io.ferry.migration;

/** A plugin whose handlers the migration had pinned left the registry while it ran. */
public final class PluginLeftException extends MigrationException {
    private static final long serialVersionUID = 1L;
    private final String plugin;

    public PluginLeftException(String plugin, String during) {
        super("plugin " + plugin + " left during " + during);
        this.plugin = plugin;
    }

    /** The name of the plugin that left. */
    public String plugin() {
        return plugin;
    }
}
