package io.ferry.shell.internal;

import io.ferry.machine.DirtyPattern;
import io.ferry.migration.MigrationService;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.shell.MachineSpec;
import io.ferry.shell.internal.Views.CancelOutcome;
import io.ferry.shell.internal.Views.Digests;
import io.ferry.shell.internal.Views.HandlerTable;
import io.ferry.shell.internal.Views.Listening;
import io.ferry.shell.internal.Views.MigrationInfo;
import io.ferry.shell.internal.Views.Notice;
import io.ferry.shell.internal.Views.PluginTable;
import io.ferry.shell.internal.Views.ResolveOutcome;
import io.ferry.shell.internal.Views.SnapshotOutcome;
import io.ferry.transport.MigrationUri;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code ferry:} Gogo commands. Each returns a data object (see {@link Views}) that
 * {@link ShellText} renders; bad input ends in one line naming what was wrong (the shell prints
 * the exception's message; {@code e} shows the rest).
 */
@Component(service = FerryCommands.class, immediate = true) // immediate: the session outlives each command
@GogoCommand(
        scope = "ferry",
        function = {
            "machine",
            "incoming",
            "migrate",
            "info",
            "watch",
            "cancel",
            "parameters",
            "handlers",
            "plugins",
            "snapshot",
            "restore",
            "verify",
            "cont",
            "pause",
            "detach",
            "resolve"
        })
public final class FerryCommands {
    private final ShellSession session;
    /** The bundle of a plugin: by its class, so two plugins of one name from two bundles are told apart. */
    private final Function<MigrationPlugin, String> bundleOfPlugin;

    @Activate
    public FerryCommands(@Reference MigrationService service) {
        this(new ShellSession(service.migrator()), FerryCommands::osgiBundle);
    }

    /** For tests and plain Java: the commands over {@code session}, every plugin from bundle "-". */
    FerryCommands(ShellSession session) {
        this(session, p -> "-");
    }

    /** The commands over {@code session}, naming a plugin's bundle with {@code bundleOfPlugin}. */
    FerryCommands(ShellSession session, Function<MigrationPlugin, String> bundleOfPlugin) {
        this.session = session;
        this.bundleOfPlugin = bundleOfPlugin;
    }

    private static String osgiBundle(MigrationPlugin plugin) {
        Bundle b = FrameworkUtil.getBundle(plugin.getClass());
        return b == null ? "-" : b.getSymbolicName() + " " + b.getVersion();
    }

    @Deactivate
    void deactivate() {
        session.close();
    }

    /** The session the other command components of this bundle act on. */
    ShellSession session() {
        return session;
    }

    @Descriptor("create the local machine (a source that runs, or --incoming), or show it when given no --ram")
    public Object machine(
            @Descriptor("guest RAM size, such as 256M or 1G") @Parameter(names = "--ram", absentValue = "") String ram,
            @Descriptor("devices, comma separated, from ferry:plugins (its, vhost-net, htab)")
                    @Parameter(names = "--devices", absentValue = "")
                    String devices,
            @Descriptor("pages per second the vCPU dirties (0: none)")
                    @Parameter(names = "--rate", absentValue = "20000")
                    String rate,
            @Descriptor("uniform, sequential, hot or hot:FRACTION") @Parameter(names = "--pattern", absentValue = "hot")
                    String pattern,
            @Descriptor("create an empty machine waiting for an incoming migration")
                    @Parameter(names = "--incoming", presentValue = "true", absentValue = "false")
                    boolean incoming,
            @Descriptor("seed of the RAM content and workloads (a whole number)")
                    @Parameter(names = "--seed", absentValue = "42")
                    String seed) {
        if (ram.isEmpty()) {
            return session.machine()
                    .<Object>map(ShellData::machine)
                    .orElse(new Notice("no machine: create one with ferry:machine --ram SIZE [--incoming]"));
        }
        List<String> names = devices.isBlank()
                ? List.of()
                : Arrays.stream(devices.split(",")).map(String::trim).toList();
        MachineSpec spec = new MachineSpec(
                size("--ram", ram), names, whole("--rate", rate), DirtyPattern.parse(pattern), whole("--seed", seed));
        return session.createMachine(spec, incoming);
    }

    @Descriptor("wait for a migration into the local --incoming machine; returns at once")
    public Listening incoming(@Descriptor("tcp:HOST:PORT (port 0: any free port)") String uri) throws Exception {
        return session.incoming(MigrationUri.parse(uri));
    }

    @Descriptor("migrate the local machine; returns at once unless -w")
    public Object migrate(
            @Descriptor("wait, drawing a progress line per pass")
                    @Parameter(
                            names = {"-w", "--wait"},
                            presentValue = "true",
                            absentValue = "false")
                    boolean wait,
            @Descriptor("tcp:HOST:PORT of a destination waiting with ferry:incoming, or file:PATH") String uri)
            throws Exception {
        Object started = session.migrate(MigrationUri.parse(uri));
        return wait ? session.current().follow(System.out) : started;
    }

    @Descriptor("the current migration's status and figures (as QEMU's query-migrate)")
    public Object info() {
        return session.info().<Object>map(m -> m).orElse(new Notice("no migration yet"));
    }

    @Descriptor("draw the current migration's progress until it ends")
    public MigrationInfo watch() throws Exception {
        return session.current().follow(System.out);
    }

    @Descriptor("cancel the current migration; the source machine resumes with nothing lost")
    public CancelOutcome cancel() {
        return session.cancel();
    }

    @Descriptor("end an IN_DOUBT migration: on the destination with the source's decision, on the source with how the"
            + " destination ended (ferry:info on the other side)")
    public ResolveOutcome resolve(
            @Descriptor("commit or abort") String decision,
            @Descriptor("the stream id ferry:info shows, 16 hex digits") String stream) {
        return session.resolve(decision, stream);
    }

    @Descriptor("the parameters of the next migration")
    public Object parameters() {
        return session.parameters();
    }

    @Descriptor(
            "every stage's handlers in the order they run (priority, handler, plugin, bundle, section), and the dirty logs")
    public HandlerTable handlers() {
        return ShellData.handlers(session.machine(), session.plugins(), bundleOfPlugin);
    }

    @Descriptor("the plugins present now, their bundles and device models")
    public PluginTable plugins() {
        return ShellData.plugins(session.plugins(), bundleOfPlugin);
    }

    @Descriptor("pause the local machine, save it to a snapshot file, resume it")
    public SnapshotOutcome snapshot(@Descriptor("file:PATH") String uri) throws Exception {
        return Snapshots.save(session, fileUri(uri));
    }

    @Descriptor("load a snapshot file into the local --incoming machine")
    public SnapshotOutcome restore(@Descriptor("file:PATH") String uri) throws Exception {
        return Snapshots.restore(session, fileUri(uri));
    }

    @Descriptor("digests of guest RAM and of every device's state, to compare the two sides of a migration")
    public Digests verify() {
        return session.verify();
    }

    @Descriptor("run the local machine (after an incoming migration with run-on-destination false)")
    public Object cont() {
        return session.cont();
    }

    @Descriptor("pause the local machine")
    public Object pause() {
        return session.pause();
    }

    @Descriptor("detach a device from the local machine (stopping its vCPUs, freeing its regions), between migrations")
    public Views.Detached detach(@Descriptor("the device's id, from ferry:machine") String id) {
        return session.detach(id);
    }

    private static MigrationUri.File fileUri(String uri) {
        if (MigrationUri.parse(uri) instanceof MigrationUri.File f) {
            return f;
        }
        throw new IllegalArgumentException("'" + uri + "' is not file:PATH");
    }

    private static long size(String option, String value) {
        try {
            return Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private static long whole(String option, String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + value + "' is not a whole number", e);
        }
    }
}
