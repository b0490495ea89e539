package io.ferry.testkit;

import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins that {@link java.util.ServiceLoader} finds on the test's class path, by name: how a
 * plugin's test suite gets Ferry's own plugins (whose classes are internal) to migrate with, such
 * as RAM from {@code ferry-ram-plugin} as a test dependency.
 */
public final class ClassPathPlugins {
    private ClassPathPlugins() {}

    /**
     * A fresh instance of each plugin named in {@code names}, in that order.
     *
     * @throws IllegalArgumentException naming the plugins there are, if one is not on the class path
     */
    public static MigrationPlugin[] named(String... names) {
        List<MigrationPlugin> found = PluginRegistry.fromServiceLoader(ClassPathPlugins.class.getClassLoader())
                .snapshot();
        List<MigrationPlugin> out = new ArrayList<>();
        for (String name : names) {
            out.add(found.stream()
                    .filter(p -> p.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no plugin '" + name + "' on the class path: found "
                            + found.stream().map(MigrationPlugin::name).toList())));
        }
        return out.toArray(MigrationPlugin[]::new);
    }
}
