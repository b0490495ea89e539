package io.ferry.internal.osgi;

import io.ferry.migration.MigrationService;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Tracks {@link MigrationPlugin} services as they come and go and keeps a {@link PluginRegistry}
 * of them. Arrival order does not matter: the registry sorts plugins by name and every pipeline
 * sorts handlers by Ferry's own priority. Among plugins of one name, OSGi's order of services
 * decides which is used (highest {@code service.ranking}, then lowest {@code service.id}), the
 * others wait (not the first bound, which after a restart need not be the first deployed). A
 * plugin that leaves fails the migrations using it.
 */
@Component(service = MigrationService.class, immediate = true)
public final class MigrationServiceComponent implements MigrationService {
    private static final Logger LOG = System.getLogger(MigrationServiceComponent.class.getName());

    /** How long a stopping framework waits for a warm-up round in progress (one takes well under a second). */
    private static final Duration WARM_UP_STOP_BOUND = Duration.ofSeconds(5);

    private final PluginRegistry registry = new PluginRegistry();
    /** Handed out, and held by the migrator (its registry() hands it out too): only the services change the plugins. */
    private final PluginRegistry plugins = registry.unmodifiableView();

    private final Migrator migrator = new Migrator(plugins);
    private volatile BundleContext context;
    /** Stopped once: each plugin's departure would otherwise wait the bound again. */
    private final AtomicBoolean warmUpsStopped = new AtomicBoolean();

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removePlugin",
            updated = "updatedPlugin")
    void addPlugin(MigrationPlugin plugin, Map<String, Object> properties) {
        registry.add(plugin, rankOf(properties));
    }

    /** A plugin service's properties changed: its ranking may have, which may change the plugin in use. */
    void updatedPlugin(MigrationPlugin plugin, Map<String, Object> properties) {
        registry.rerank(plugin, rankOf(properties));
    }

    /**
     * While the framework stops, the plugins leave one after another with the warm-up perhaps
     * still running (a short script ends within its few seconds): the warm-up is stopped first, so
     * no round of it fails on a missing plugin, and the departures are not warnings then.
     */
    void removePlugin(MigrationPlugin plugin, Map<String, Object> properties) {
        PluginRegistry.ServiceRank rank = rankOf(properties);
        if (frameworkStopping()) {
            stopWarmUps();
            registry.removeAtShutdown(plugin, rank);
        } else {
            registry.remove(plugin, rank);
        }
    }

    /**
     * The service's place among those of its name, as OSGi orders services: a {@code
     * service.ranking} that is no {@code Integer} counts as 0.
     *
     * @throws IllegalArgumentException if the properties have no {@code service.id} (SCR always passes it)
     */
    static PluginRegistry.ServiceRank rankOf(Map<String, ?> properties) {
        if (!(properties.get(Constants.SERVICE_ID) instanceof Long id)) {
            throw new IllegalArgumentException(
                    "a plugin service's properties without a Long " + Constants.SERVICE_ID + ": " + properties);
        }
        int ranking = properties.get(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0;
        return new PluginRegistry.ServiceRank(ranking, id);
    }

    private boolean frameworkStopping() {
        BundleContext c = context;
        if (c == null) {
            return false;
        }
        try {
            return c.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // this bundle's context is no longer valid: it is going away
        }
    }

    private void stopWarmUps() {
        if (!warmUpsStopped.compareAndSet(false, true)) {
            return;
        }
        try {
            if (!migrator.stopWarmUps(WARM_UP_STOP_BOUND)) {
                LOG.log(
                        Level.DEBUG,
                        "a warm-up round still runs after " + WARM_UP_STOP_BOUND + "; the framework stops anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the process warm-up ({@link Migrator#warmUp()}) unless {@code -Dferry.warm-up=false}:
     * the plugin services present at activation are bound by now (greedy static start), and a
     * first migration finds compiled code. It runs in the background; a migration started meanwhile
     * makes it stop after its round.
     */
    @Activate
    void activate(BundleContext context) {
        this.context = context;
        if (Migrator.warmUpEnabled()) {
            migrator.warmUp();
        }
    }

    /**
     * This bundle stops (with the framework or alone, an update say): its warm-ups stop too, and
     * its migrations' MXBeans leave the platform MBean server, which outlives the bundle and would
     * otherwise show them stale and hold this bundle's class loader.
     */
    @Deactivate
    void deactivate() {
        try {
            stopWarmUps();
        } finally { // whatever the warm-ups did: the beans must not outlive the bundle
            migrator.close();
        }
    }

    @Override
    public PluginRegistry plugins() {
        return plugins;
    }

    @Override
    public Migrator migrator() {
        return migrator;
    }
}
