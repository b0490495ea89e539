package io.ferry.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.internal.ItsPlugin;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.shell.internal.Views.MachineInfo;
import io.ferry.shell.internal.Views.Notice;
import org.junit.jupiter.api.Test;

/** The commands' argument handling: issue 11's messages, each a test that failed before the fix. */
class FerryCommandsTest {
    private final ShellSession session = new ShellSession(PluginRegistry.of(new RamPlugin(), new ItsPlugin()));
    private final FerryCommands commands = new FerryCommands(session);

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
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--seed 'x' is not a whole number");
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
        assertThat(((MigrationParameters) commands.parameters()).downtimeLimit().toMillis()).isEqualTo(300);
        assertThat(commands.verify().ram()).hasSize(64);
        session.close();
    }
}
