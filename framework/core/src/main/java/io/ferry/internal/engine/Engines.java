package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import io.ferry.machine.Machine;
import io.ferry.machine.MigrationClaim;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;

/** The one way into the engine: starts a source or destination migration on its own thread. */
public final class Engines {
    /** Opens the connection; called on the migration thread so connecting is part of SETUP. */
    @FunctionalInterface
    public interface ChannelOpener {
        MigrationChannel open() throws IOException;
    }

    private Engines() {}

    /**
     * Starts migrating {@code machine} through the channel {@code opener} opens.
     *
     * @param claim the machine's claim for this migration; released when the migration ends
     * @param listeners added before the start, so no event is missed
     */
    public static Migration source(MigrationClaim claim, Machine machine, PluginRegistry registry,
            MigrationParameters params, ChannelOpener opener, String target, MigrationListener... listeners) {
        SourceMigration m = new SourceMigration(claim, machine, registry, params, opener, target, Ticker.systemTicker());
        for (MigrationListener l : listeners) {
            m.addListener(l);
        }
        return m.start();
    }

    /**
     * Starts waiting on {@code endpoint} for a stream to load into {@code machine}.
     *
     * @param claim the machine's claim for this migration; released when the migration ends
     */
    public static Migration destination(MigrationClaim claim, Machine machine, PluginRegistry registry,
            MigrationParameters params, IncomingEndpoint endpoint, MigrationListener... listeners) {
        DestinationMigration m = new DestinationMigration(claim, machine, registry, params, endpoint);
        for (MigrationListener l : listeners) {
            m.addListener(l);
        }
        return m.start();
    }
}
