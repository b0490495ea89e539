package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import io.ferry.internal.management.MigrationMBeans;
import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationEngine;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;

/**
 * The one way into the engine: starts a source or destination migration on its own thread.
 * Listed in {@code META-INF/services/io.ferry.migration.MigrationEngine}, where
 * {@link io.ferry.migration.Migrator} finds it.
 */
public final class Engines implements MigrationEngine {
    /** This engine's Migrator's MXBeans: each Migrator loads an engine of its own. */
    private final MigrationMBeans mbeans = new MigrationMBeans();

    /** For ServiceLoader. */
    public Engines() {}

    @Override
    public void close() {
        mbeans.close();
    }

    @Override
    public Migration source(
            MigrationClaim claim,
            Machine machine,
            PluginRegistry registry,
            MigrationParameters params,
            ChannelOpener opener,
            String target,
            MigrationListener... listeners) {
        SourceMigration m =
                new SourceMigration(claim, machine, registry, params, opener, target, Ticker.systemTicker());
        for (MigrationListener l : listeners) {
            m.addListener(l); // before the start, so no event is missed
        }
        m.addListener(mbeans.listener(machine.name())); // JMX: every migration as an MXBean
        return m.start();
    }

    @Override
    public Migration destination(
            MigrationClaim claim,
            Machine machine,
            PluginRegistry registry,
            MigrationParameters params,
            IncomingEndpoint endpoint,
            MigrationListener... listeners) {
        DestinationMigration m = new DestinationMigration(claim, machine, registry, params, endpoint);
        for (MigrationListener l : listeners) {
            m.addListener(l);
        }
        m.addListener(mbeans.listener(machine.name())); // JMX: every migration as an MXBean
        return m.start();
    }
}
