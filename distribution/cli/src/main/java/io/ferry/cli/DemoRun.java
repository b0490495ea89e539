package io.ferry.cli;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.machine.Vcpu;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.shell.MachineSpec;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One live migration of a running, dirtying machine to a destination in this process over
 * loopback TCP, with the destination's state verified against the source's at switchover: what
 * {@code ferry demo} runs once and {@code ferry downtime-bench} runs many times.
 *
 * @param machine the source machine (RAM, devices, vCPU workload, seed); the destination has the same layout
 */
record DemoRun(MachineSpec machine) {

    /**
     * What a run ended with.
     *
     * @param report the verification, one line per comparison, then both machines' run states
     */
    record Result(
            Migration outgoing,
            Migration incoming,
            MigrationFigures figures,
            long vcpuSteps,
            boolean verified,
            List<String> report) {
        boolean completed() {
            return figures.status() == MigrationStatus.COMPLETED && incoming.status() == MigrationStatus.COMPLETED;
        }
    }

    /**
     * Migrates with {@code params} (the destination stays paused until both sides are compared,
     * then runs), printing the destination's address to {@code out}.
     */
    Result run(
            PluginRegistry registry,
            MigrationParameters params,
            int port,
            PrintWriter out,
            MigrationListener... listeners)
            throws Exception {
        params = params.withRunOnDestination(false);
        Migrator migrator = new Migrator(registry);
        ProcessWarmUp warmUp = ProcessWarmUp.start(migrator); // runs while the machines are built
        try (Machine source = machine.buildSource(registry, "source");
                Machine destination = machine.buildDestination(registry, "destination")) {
            Vcpu vcpu = source.vcpus().stream().findFirst().orElse(null);
            out.println(warmUp.await());
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", port));
            out.printf("destination listening on %s%n", endpoint.address());
            Migration incoming = migrator.incoming(destination, endpoint, params);
            Migration outgoing = migrator.migrate(source, endpoint.address(), params, listeners);
            MigrationFigures f = outgoing.await(Duration.ofMinutes(30));
            incoming.await(Duration.ofMinutes(1));
            long steps = vcpu == null ? 0 : vcpu.steps();
            Result r = new Result(outgoing, incoming, f, steps, false, List.of());
            if (!r.completed()) {
                return r;
            }
            List<String> report = new ArrayList<>();
            boolean verified = verify(report, source, destination);
            destination.changeRunState(RunState.RUNNING);
            report.add("destination is " + destination.runState() + "; source is " + source.runState());
            return new Result(outgoing, incoming, f, steps, verified, report);
        }
    }

    /** Compares RAM byte for byte and every device's state; adds the verdict to {@code out}. */
    private static boolean verify(List<String> out, Machine source, Machine destination) {
        Optional<Long> diff = source.memory().firstDifference(destination.memory());
        String digest = source.memory().digest();
        boolean ramOk = diff.isEmpty() && digest.equals(destination.memory().digest());
        out.add(String.format(
                "verify: guest RAM %s (%s, digest %s)",
                ramOk ? "EQUAL" : "DIFFERS at 0x" + Long.toHexString(diff.orElse(-1L)),
                Sizes.format(source.memory().size()),
                digest.substring(0, 16)));
        boolean devicesOk = true;
        for (Device d : source.devices()) {
            String theirs =
                    destination.device(d.id()).map(Device::stateFingerprint).orElse("(missing)");
            boolean same = d.stateFingerprint().equals(theirs);
            devicesOk &= same;
            out.add("verify: device " + d.id() + " "
                    + (same ? "EQUAL" : "DIFFERS: " + d.stateFingerprint() + " vs " + theirs));
        }
        boolean ok = ramOk && devicesOk;
        out.add(ok ? "VERIFIED: destination state equals the source's at switchover" : "VERIFICATION FAILED");
        return ok;
    }
}
