package io.ferry.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Optional;

/**
 * The plugin a device needs to migrate: its name, and, when the device was attached through the
 * plugin's own model, the plugin's class. A plugin that leaves and comes back from a new bundle
 * has the same name but another class (another class loader): it cannot drive a device made by
 * the code that left.
 */
public record DeviceOwner(String plugin, Optional<Class<?>> pluginClass) {
    public DeviceOwner {
        checkNotNull(plugin, "plugin");
        checkNotNull(pluginClass, "pluginClass");
    }

    /** Whether a plugin named {@code name} of class {@code type} can migrate the device. */
    public boolean isServedBy(String name, Class<?> type) {
        return plugin.equals(name) && pluginClass.map(c -> c == type).orElse(true);
    }
}
