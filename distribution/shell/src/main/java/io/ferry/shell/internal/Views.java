package io.ferry.shell.internal;

import io.ferry.machine.RunState;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The data the {@code ferry:} commands return. Scripts read the values ({@code ($(ferry:machine) ramBytes)});
 * {@link ShellText} renders them for people. Public so that Gogo can call their accessors.
 */
public final class Views {
    private Views() {}

    /** A short acknowledgement that carries no data worth a record of its own. */
    public record Notice(String message) {}

    /** @param addressMap all of guest RAM by address: reserved ranges with their owners, and the free ranges between */
    public record MachineInfo(
            String name,
            RunState runState,
            long ramBytes,
            List<String> devices,
            List<VcpuInfo> vcpus,
            List<String> reservedRegions,
            List<AddressRange> addressMap) {}

    /** A range of the guest address map; {@code owner} empty for a free range. */
    public record AddressRange(long base, long size, Optional<String> owner) {}

    /** A device detached from the local machine, and the machine after it. */
    public record Detached(String device, MachineInfo machine) {}

    public record VcpuInfo(String name, long stepsPerSecond, long steps) {}

    /**
     * A migration as QEMU's query-migrate shows it, with every pass seen so far.
     *
     * @param peer where the stream goes (source) or where it is awaited (destination)
     */
    public record MigrationInfo(
            long id,
            Side side,
            MigrationStatus status,
            String peer,
            Optional<String> error,
            List<String> plugins,
            MigrationFigures figures,
            List<PassProgress> passes,
            Optional<Switchover> switchover) {}

    public record Listening(String uri) {}

    public record MigrationStarted(String machine, String uri) {}

    public record CancelOutcome(Side side, boolean cancelled, MigrationStatus status) {}

    /** What {@code ferry:resolve} did to an in-doubt migration: its stream, the decision given, its status after. */
    public record ResolveOutcome(
            Side side, String stream, SwitchoverDecision.Verdict decision, boolean resolved, MigrationStatus status) {}

    /** The switchover's stream id and the decision known on this side (none yet: empty). */
    public record Switchover(String stream, Optional<SwitchoverDecision.Verdict> decision) {}

    /** One handler in a stage's effective order. */
    public record HandlerRow(
            Side side,
            Stage stage,
            int priority,
            String place,
            String handler,
            String plugin,
            String bundle,
            String section) {}

    /**
     * Every stage's handlers in the order they run, and the dirty logs the plugins register with
     * a migration; {@code bareMachine}: no machine yet, a bare 16 MiB one was used.
     */
    public record HandlerTable(boolean bareMachine, List<HandlerRow> rows, List<DirtyLogRow> dirtyLogs) {}

    /** A dirty-log source registered with the source's migration, synced at DIRTY_SYNC and checked while RAM is sealed. */
    public record DirtyLogRow(String log, String plugin, String bundle) {}

    /** A plugin, its bundle and device models; held back while another plugin of its name is in use. */
    public record PluginInfo(String name, String bundle, boolean heldBack, List<String> devices) {}

    public record PluginTable(List<PluginInfo> plugins) {}

    /** SHA-256 digests of guest RAM and of each device's state, and one over all of them. */
    public record Digests(String machine, RunState runState, String ram, Map<String, String> devices, String state) {}

    /** A snapshot saved ({@code saved}) or restored. */
    public record SnapshotOutcome(
            boolean saved, String file, long ramBytes, long totalMillis, long transferredBytes, RunState runState) {}
}
