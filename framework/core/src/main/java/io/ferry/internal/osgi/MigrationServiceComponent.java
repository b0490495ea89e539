package io.ferry.internal.osgi;

import io.ferry.migration.MigrationService;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Tracks {@link MigrationPlugin} services as they come and go and keeps a {@link PluginRegistry}
 * of them. Arrival order does not matter: the registry sorts plugins by name and every pipeline
 * sorts handlers by Ferry's own priority. A plugin that leaves fails the migrations using it.
 */
@Component(service = MigrationService.class, immediate = true)
public final class MigrationServiceComponent implements MigrationService {
    private final PluginRegistry registry = new PluginRegistry();
    private final Migrator migrator = new Migrator(registry);

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removePlugin")
    void addPlugin(MigrationPlugin plugin) {
        registry.add(plugin);
    }

    void removePlugin(MigrationPlugin plugin) {
        registry.remove(plugin);
    }

    /**
     * Starts the process warm-up ({@link Migrator#warmUp()}) unless {@code -Dferry.warm-up=false}:
     * the plugin services present at activation are bound by now (greedy static start), and a
     * first migration finds compiled code. It runs in the background; a migration started meanwhile
     * makes it stop after its round.
     */
    @Activate
    void activate() {
        if (Migrator.warmUpEnabled()) {
            migrator.warmUp();
        }
    }

    @Override
    public PluginRegistry plugins() {
        return registry;
    }

    @Override
    public Migrator migrator() {
        return migrator;
    }
}
