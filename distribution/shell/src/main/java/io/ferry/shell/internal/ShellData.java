package io.ferry.shell.internal;

import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.GuestRegion;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.shell.StateDigest;
import io.ferry.shell.internal.Views.AddressRange;
import io.ferry.shell.internal.Views.Digests;
import io.ferry.shell.internal.Views.DirtyLogRow;
import io.ferry.shell.internal.Views.HandlerRow;
import io.ferry.shell.internal.Views.HandlerTable;
import io.ferry.shell.internal.Views.MachineInfo;
import io.ferry.shell.internal.Views.PluginInfo;
import io.ferry.shell.internal.Views.PluginTable;
import io.ferry.shell.internal.Views.VcpuInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Builds the commands' data objects from the live machine and plugins. */
final class ShellData {
    private static final long BARE_RAM = 16L << 20;

    private ShellData() {}

    static MachineInfo machine(Machine m) {
        return new MachineInfo(
                m.name(),
                m.runState(),
                m.memory().size(),
                m.devices().stream().map(Device::id).toList(),
                m.vcpus().stream()
                        .map(v -> new VcpuInfo(v.name(), v.stepsPerSecond(), v.steps()))
                        .toList(),
                m.reservedRegions().stream().map(GuestRegion::toString).toList(),
                m.addressMap().stream()
                        .map(e -> new AddressRange(e.base(), e.size(), e.owner()))
                        .toList());
    }

    /** Every stage's effective order for {@code machine} (or a bare 16 MiB one), both sides. */
    static HandlerTable handlers(
            Optional<Machine> machine, PluginRegistry plugins, Function<MigrationPlugin, String> bundleOf) {
        Machine m = machine.orElseGet(() -> Machine.create("bare", GuestMemory.of(BARE_RAM)));
        try {
            List<HandlerRow> rows = new ArrayList<>();
            List<DirtyLogRow> logs = new ArrayList<>();
            List<MigrationPlugin> inUse = plugins.snapshot(); // one snapshot: the bundles are of these plugins
            Map<String, String> bundles = new HashMap<>();
            inUse.forEach(p -> bundles.put(p.name(), bundleOf.apply(p)));
            for (Side side : Side.values()) {
                Pipeline p = Pipeline.assemble(side, m, inUse);
                p.dirtyLogs()
                        .forEach(d -> logs.add(new DirtyLogRow(d.log().name(), d.plugin(), bundles.get(d.plugin()))));
                for (Stage stage : Stage.values()) {
                    if (stage.side() == side) {
                        for (HandlerRegistration h : p.handlers(stage)) {
                            rows.add(new HandlerRow(
                                    side,
                                    stage,
                                    h.priority(),
                                    ShellText.place(h.priority()),
                                    h.id(),
                                    h.plugin(),
                                    bundles.get(h.plugin()),
                                    h.section().map(SectionId::toString).orElse("no chunk")));
                        }
                    }
                }
            }
            return new HandlerTable(machine.isEmpty(), List.copyOf(rows), List.copyOf(logs));
        } finally {
            if (machine.isEmpty()) {
                m.close();
            }
        }
    }

    /**
     * The plugins in use, by name, then those held back (another of their name is in use), in the
     * order they would take over.
     */
    static PluginTable plugins(PluginRegistry plugins, Function<MigrationPlugin, String> bundleOf) {
        List<PluginInfo> rows = new ArrayList<>();
        plugins.snapshot().forEach(p -> rows.add(info(p, false, bundleOf)));
        plugins.heldBack().forEach(p -> rows.add(info(p, true, bundleOf)));
        return new PluginTable(List.copyOf(rows));
    }

    private static PluginInfo info(MigrationPlugin p, boolean heldBack, Function<MigrationPlugin, String> bundleOf) {
        return new PluginInfo(
                p.name(),
                bundleOf.apply(p),
                heldBack,
                p.deviceModels().stream().map(DeviceModel::name).toList());
    }

    static Digests digests(Machine m) {
        StateDigest d = StateDigest.of(m);
        return new Digests(m.name(), m.runState(), d.ram(), d.devices(), d.state());
    }
}
