package io.ferry.shell.internal;

import io.ferry.migration.MigrationService;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.transport.MigrationUri;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code ferry:} Gogo commands: a plain service whose public methods are commands and whose
 * return values the shell prints. Each delegates to the {@link LocalNode}; bad input ends in one
 * line naming what was wrong (the shell prints the exception's message; {@code e} shows the rest).
 */
@Component(service = FerryCommands.class, immediate = true, property = { // immediate: the node outlives each command
        "osgi.command.scope=ferry",
        "osgi.command.function=machine", "osgi.command.function=incoming", "osgi.command.function=migrate",
        "osgi.command.function=info", "osgi.command.function=watch", "osgi.command.function=cancel",
        "osgi.command.function=parameters", "osgi.command.function=handlers",
        "osgi.command.function=plugins", "osgi.command.function=snapshot", "osgi.command.function=restore",
        "osgi.command.function=verify", "osgi.command.function=cont", "osgi.command.function=pause"})
public final class FerryCommands {
    private final BundleContext context;
    private final LocalNode node;

    @Activate
    public FerryCommands(@Reference MigrationService service, BundleContext context) {
        this.context = context;
        this.node = new LocalNode(service.plugins(), this::bundleOf);
    }

    @Deactivate
    void deactivate() {
        node.close();
    }

    /** The node the other command components of this bundle act on. */
    LocalNode node() {
        return node;
    }

    @Descriptor("create the local machine (a source that runs, or --incoming), or show it when given no --ram")
    public String machine(
            @Descriptor("guest RAM size, such as 256M or 1G") @Parameter(names = "--ram", absentValue = "") String ram,
            @Descriptor("devices, comma separated, from ferry:plugins (its, vhost-net, htab)")
            @Parameter(names = "--devices", absentValue = "") String devices,
            @Descriptor("pages per second the vCPU dirties (0: none)") @Parameter(names = "--rate", absentValue = "20000") long rate,
            @Descriptor("uniform, sequential, hot or hot:FRACTION") @Parameter(names = "--pattern", absentValue = "hot") String pattern,
            @Descriptor("create an empty machine waiting for an incoming migration")
            @Parameter(names = "--incoming", presentValue = "true", absentValue = "false") boolean incoming,
            @Descriptor("seed of the RAM content and workloads") @Parameter(names = "--seed", absentValue = "42") long seed) {
        if (ram.isEmpty()) {
            return node.describeMachine();
        }
        List<String> names = devices.isBlank() ? List.of() : Arrays.stream(devices.split(",")).map(String::trim).toList();
        return node.createMachine(Sizes.parse(ram), names, rate, pattern, incoming, seed);
    }

    @Descriptor("wait for a migration into the local --incoming machine; returns at once")
    public String incoming(@Descriptor("tcp:HOST:PORT (port 0: any free port)") String uri) throws Exception {
        return node.incoming(MigrationUri.parse(uri));
    }

    @Descriptor("migrate the local machine; returns at once unless -w")
    public String migrate(
            @Descriptor("wait, drawing a progress line per pass") @Parameter(names = {"-w", "--wait"}, presentValue = "true",
                    absentValue = "false") boolean wait,
            @Descriptor("tcp:HOST:PORT of a destination waiting with ferry:incoming, or file:PATH") String uri)
            throws Exception {
        return node.migrate(MigrationUri.parse(uri), wait ? System.out : null);
    }

    @Descriptor("the current migration's status and figures (as QEMU's query-migrate)")
    public String info() {
        return node.info();
    }

    @Descriptor("draw the current migration's progress until it ends")
    public String watch() throws Exception {
        return node.watch(System.out);
    }

    @Descriptor("cancel the current migration; the source machine resumes with nothing lost")
    public String cancel() {
        return node.cancel();
    }

    @Descriptor("the parameters of the next migration")
    public String parameters() {
        return node.parameters();
    }

    @Descriptor("every stage's handlers in the order they run: priority, handler, plugin, bundle, section")
    public String handlers() {
        return node.handlers();
    }

    @Descriptor("the plugins present now, their bundles and device models")
    public String plugins() {
        return node.plugins();
    }

    @Descriptor("pause the local machine, save it to a snapshot file, resume it")
    public String snapshot(@Descriptor("file:PATH") String uri) throws Exception {
        return node.snapshot(fileUri(uri));
    }

    @Descriptor("load a snapshot file into the local --incoming machine")
    public String restore(@Descriptor("file:PATH") String uri) throws Exception {
        return node.restore(fileUri(uri));
    }

    @Descriptor("digests of guest RAM and of every device's state, to compare the two sides of a migration")
    public String verify() {
        return node.verify();
    }

    @Descriptor("run the local machine (after an incoming migration with run-on-destination false)")
    public String cont() {
        return node.cont();
    }

    @Descriptor("pause the local machine")
    public String pause() {
        return node.pause();
    }

    private static MigrationUri.File fileUri(String uri) {
        if (MigrationUri.parse(uri) instanceof MigrationUri.File f) {
            return f;
        }
        throw new IllegalArgumentException("'" + uri + "' is not file:PATH");
    }

    /** The symbolic name and version of the bundle that registered plugin {@code name}. */
    private String bundleOf(String name) {
        try {
            for (ServiceReference<MigrationPlugin> ref : context.getServiceReferences(MigrationPlugin.class, null)) {
                MigrationPlugin p = context.getService(ref);
                try {
                    if (p != null && p.name().equals(name)) {
                        return ref.getBundle().getSymbolicName() + " " + ref.getBundle().getVersion();
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError("a null filter is valid", e);
        }
        return "-";
    }
}
