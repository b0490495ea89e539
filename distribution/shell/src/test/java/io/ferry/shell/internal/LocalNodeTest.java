package io.ferry.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.internal.ItsPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.transport.MigrationUri;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shell's commands without OSGi: two nodes in one process over loopback TCP. */
class LocalNodeTest {
    private static final long RAM = 16L << 20;
    private final PluginRegistry plugins = PluginRegistry.of(new RamPlugin(), new ItsPlugin());

    private LocalNode node() {
        return new LocalNode(plugins, name -> "bundle-of-" + name);
    }

    private static String line(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        assertThat(m.find()).as("'%s' in:%n%s", regex, text).isTrue();
        return m.group(1);
    }

    @Test
    void migratesBetweenTwoNodesWithProgressAndEqualDigests() throws Exception {
        try (LocalNode destination = node(); LocalNode source = node()) {
            destination.createMachine(RAM, List.of("its"), 0, "hot", true, 1);
            destination.setParameter("run-on-destination", "false");
            String uri = line(destination.incoming(MigrationUri.parse("tcp:127.0.0.1:0")), "on (tcp:\\S+)");
            source.createMachine(RAM, List.of("its"), 5000, "hot", false, 1);

            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            String info = source.migrate(MigrationUri.parse(uri), new PrintStream(progress, true, StandardCharsets.UTF_8));

            assertThat(info).contains("source migration: COMPLETED").contains("plugins:            [its, ram]");
            assertThat(progress.toString(StandardCharsets.UTF_8)).containsPattern("\\[#+\\] pass 0 ")
                    .containsPattern("\\[[#.]+\\] pass 1 +transferred");
            io.ferry.testkit.Await.until(Duration.ofSeconds(30),
                    () -> destination.info().contains("destination migration: COMPLETED"), destination::info);
            String theirs = destination.verify();
            String ours = source.verify();
            assertThat(line(theirs, "^state +(\\w+)")).isEqualTo(line(ours, "^state +(\\w+)"));
            assertThat(theirs).contains("machine incoming: PAUSED");
            assertThat(destination.cont()).contains("RUNNING");
            assertThatThrownBy(source::cont).hasMessageContaining("migrated away: it runs on the destination now");
        }
    }

    @Test
    void handlersShowThePluginsBundlesAndOrder() {
        try (LocalNode n = node()) {
            assertThat(n.handlers()).startsWith("no machine: the handlers of a bare 16 MiB machine")
                    .contains("ram.final").doesNotContain("its.flush"); // a machine without an ITS gets no ITS handlers
            n.createMachine(RAM, List.of("its"), 0, "hot", false, 1);
            String table = n.handlers();
            assertThat(table).containsPattern("COMPLETE +1000 BEFORE_RAM +its.flush +its +bundle-of-its +no chunk");
            assertThat(table.indexOf("its.flush")).isLessThan(table.indexOf("ram.final"));
            assertThat(n.plugins()).containsPattern("its +bundle-of-its +devices \\[its\\]");
        }
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        try (LocalNode n = node()) {
            assertThatThrownBy(n::verify).hasMessageContaining("no machine: create one with ferry:machine --ram SIZE");
            assertThatThrownBy(() -> n.migrate(MigrationUri.parse("tcp:127.0.0.1:1"), null)).hasMessageContaining("no machine");
            assertThatThrownBy(() -> n.createMachine(RAM, List.of("warp"), 0, "hot", false, 1))
                    .hasMessageContaining("unknown device 'warp': available are [its]");
            assertThatThrownBy(() -> n.createMachine(RAM, List.of(), 0, "zigzag", false, 1))
                    .hasMessageContaining("unknown dirty pattern 'zigzag'");
            n.createMachine(RAM, List.of(), 0, "hot", true, 1);
            assertThatThrownBy(n::cont).hasMessageContaining("waits for an incoming migration: it has nothing to run yet");
            n.createMachine(RAM, List.of(), 0, "hot", false, 1);
            assertThatThrownBy(() -> n.incoming(MigrationUri.parse("tcp:127.0.0.1:0")))
                    .hasMessageContaining("no incoming machine");
            assertThatThrownBy(() -> n.setParameter("bogus", "1")).hasMessageContaining("unknown parameter 'bogus'");
            assertThat(n.info()).isEqualTo("no migration yet");
            assertThatThrownBy(n::cancel).hasMessageContaining("no migration yet");
        }
    }
}
