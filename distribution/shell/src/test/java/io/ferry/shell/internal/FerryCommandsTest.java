package io.ferry.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.ferry.its.internal.ItsPlugin;
import io.ferry.machine.DirtyLog;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.shell.internal.Views.AddressRange;
import io.ferry.shell.internal.Views.Detached;
import io.ferry.shell.internal.Views.HandlerTable;
import io.ferry.shell.internal.Views.MachineInfo;
import io.ferry.shell.internal.Views.Notice;
import io.ferry.shell.internal.Views.PluginInfo;
import io.ferry.testkit.TestPlugin;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.Test;

/** The commands' argument handling: issue 11's messages, each a test that failed before the fix. */
class FerryCommandsTest {
    private final ShellSession session = new ShellSession(PluginRegistry.of(new RamPlugin(), new ItsPlugin()));
    private final FerryCommands commands = new FerryCommands(session);

    @Test
    void twoPluginsOfOneNameShowWithTheirOwnBundlesTheLaterOneHeldBack() {
        TestPlugin first = TestPlugin.named("dup");
        TestPlugin second = TestPlugin.named("dup"); // added last: held back by the registry
        PluginRegistry registry = PluginRegistry.of(first, second);
        FerryCommands withBundles = new FerryCommands(
                new ShellSession(registry), p -> p == first ? "first.bundle 1.0.0" : "second.bundle 2.0.0");

        assertThat(withBundles.plugins().plugins())
                .extracting(PluginInfo::bundle, PluginInfo::heldBack)
                .containsExactly(tuple("first.bundle 1.0.0", false), tuple("second.bundle 2.0.0", true));
        assertThat(ShellText.plugins(withBundles.plugins()))
                .contains("first.bundle 1.0.0   in use")
                .contains("second.bundle 2.0.0  held back (another of its name is in use)");

        registry.remove(first);
        assertThat(withBundles.plugins().plugins())
                .extracting(PluginInfo::bundle, PluginInfo::heldBack)
                .containsExactly(tuple("second.bundle 2.0.0", false));
    }

    @Test
    void ramAboveTheDirectMemoryCapIsAClearOneLineError() {
        // the test JVM runs with -XX:MaxDirectMemorySize=8g: nothing is allocated for a refused size
        assertThatThrownBy(() -> commands.machine("64G", "", "0", "hot", false, "42"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--ram 64.0 GiB is above this JVM's direct memory cap of")
                .hasMessageContaining("-XX:MaxDirectMemorySize (FERRY_JAVA_OPTS)");
        assertThat(commands.machine("", "", "0", "hot", false, "42")).isInstanceOf(Notice.class);
    }

    @Test
    void aSeedOrRateThatIsNoNumberIsNamed() {
        assertThatThrownBy(() -> commands.machine("16M", "", "0", "hot", false, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--seed 'x' is not a whole number");
        assertThatThrownBy(() -> commands.machine("16M", "", "fast", "hot", false, "1"))
                .hasMessage("--rate 'fast' is not a whole number");
        assertThatThrownBy(() -> commands.machine("lots", "", "0", "hot", false, "1"))
                .hasMessageContaining("--ram: 'lots' is not a size");
    }

    @Test
    void commandsReturnDataObjects() {
        MachineInfo m = (MachineInfo) commands.machine("16M", "its", "0", "hot", false, "7");
        assertThat(m.ramBytes()).isEqualTo(16L << 20);
        assertThat(m.devices()).singleElement().asString().startsWith("its");
        assertThat(((MigrationParameters) commands.parameters()).downtimeLimit().toMillis())
                .isEqualTo(300);
        assertThat(commands.verify().ram()).hasSize(64);
        session.close();
    }

    /** ferry:parameters returns every parameter by name, and the Converter shows each one. */
    @Test
    void parametersCarryEveryNameTheEngineAccepts() {
        MigrationParameters p = (MigrationParameters)
                new SetParameterCommand(commands)._main("set-parameter", "xbzrle-cache-size", "8M");
        assertThat(p.xbzrleCacheSize()).isEqualTo(8L << 20);
        MigrationParameters shown = (MigrationParameters) commands.parameters();
        assertThat(shown.byName())
                .containsOnlyKeys(MigrationParameters.names())
                .containsEntry("xbzrle-cache-size", Long.toString(8L << 20));
        String text = new ShellText().format(shown, Converter.INSPECT, null).toString();
        MigrationParameters.names().forEach(n -> assertThat(text).contains(n));
        assertThatThrownBy(() -> new SetParameterCommand(commands)._main("set-parameter", "compression"))
                .hasMessageContaining(MigrationParameters.NAME_LIST);
    }

    /** ferry:machine carries the address map; ferry:detach removes a device and frees its regions. */
    @Test
    void machineShowsTheAddressMapAndDetachRemovesADevice() {
        MachineInfo m = (MachineInfo) commands.machine("16M", "its", "0", "hot", false, "7");
        assertThat(m.addressMap().get(0).base()).isZero();
        assertThat(m.addressMap().stream().mapToLong(AddressRange::size).sum()).isEqualTo(16L << 20);
        assertThat(m.addressMap()).anySatisfy(r -> assertThat(r.owner()).isPresent());
        String device = m.devices().get(0);
        Detached d = commands.detach(device);
        assertThat(d.device()).isEqualTo(device);
        assertThat(d.machine().devices()).doesNotContain(device);
        assertThat(d.machine().addressMap())
                .allSatisfy(r -> assertThat(r.owner()).isEmpty());
        assertThatThrownBy(() -> commands.detach(device))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no device '" + device + "'");
        session.close();
    }

    /** ferry:handlers lists the dirty logs the plugins register with a migration. */
    @Test
    void handlersListTheRegisteredDirtyLogs() {
        TestPlugin probe = TestPlugin.named("probe")
                .registering(
                        Side.SOURCE,
                        r -> r.dirtyLog(
                                new DirtyLog("probe-dma", r.machine().memory().pages())));
        FerryCommands withLog = new FerryCommands(new ShellSession(PluginRegistry.of(new RamPlugin(), probe)));
        HandlerTable t = withLog.handlers();
        assertThat(t.dirtyLogs()).singleElement().satisfies(d -> {
            assertThat(d.log()).isEqualTo("probe-dma");
            assertThat(d.plugin()).isEqualTo("probe");
        });
        assertThat(new ShellText().format(t, Converter.INSPECT, null).toString())
                .contains("probe-dma");
    }
}
