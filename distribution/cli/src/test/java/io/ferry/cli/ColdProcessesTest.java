package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ColdProcessesTest {
    private static final String JAVA =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @Test
    void aSampleLineIsReadBackFromAProcessOutput() {
        assertThat(ColdProcesses.parse("process warm-up: 4100 ms, in the background\ncold-sample 231 420\n"))
                .contains(new ColdProcesses.Sample(231, 420));
        assertThat(ColdProcesses.parse("process warm-up: off\n")).isEmpty();
        assertThat(ColdProcesses.parse("cold-sample 231\n")).isEmpty();
        assertThat(ColdProcesses.parse("cold-sample 231 many\n")).isEmpty();
    }

    @Test
    void theSampleProcessRunsThisJavaWithItsClassPathButWithoutAgents() {
        List<String> command = ColdProcesses.command(1L << 20);
        assertThat(command.get(0)).endsWith("java");
        assertThat(command).noneMatch(ColdProcesses::isAgent);
        assertThat(command.subList(command.size() - 7, command.size()))
                .containsExactly(
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.ferry.cli.Ferry",
                        "bench",
                        "--cold-sample",
                        "--sizes",
                        "1048576");
        assertThat(ColdProcesses.isAgent("-agentpath:/tmp/libasyncProfiler.so=start"))
                .isTrue();
        assertThat(ColdProcesses.isAgent("-javaagent:jacoco.jar")).isTrue();
        assertThat(ColdProcesses.isAgent("-agentlib:jdwp=transport=dt_socket")).isTrue();
        assertThat(ColdProcesses.isAgent("-Xmx1g")).isFalse();
    }

    @Test
    void aProcessThatFailsOrGivesNoSampleIsAnErrorThatShowsItsOutput() {
        assertThatThrownBy(() -> ColdProcesses.measure(List.of(JAVA, "-XX:+NoSuchFerryOption", "-version")))
                .isInstanceOf(ColdProcesses.ColdProcessException.class)
                .hasMessageStartingWith("a fresh process for a cold sample failed (exit 1); its output:")
                .hasMessageContaining("NoSuchFerryOption");
        assertThatThrownBy(() -> ColdProcesses.measure(List.of(JAVA, "-version")))
                .isInstanceOf(ColdProcesses.ColdProcessException.class)
                .hasMessageStartingWith("a fresh process for a cold sample failed (exit 0); its output:")
                .hasMessageContaining("version");
    }

    @Test
    void aSampleProcessGivesTheFiguresOfItsFirstMigration() throws Exception {
        ColdProcesses.Sample sample = ColdProcesses.measure(16L << 20);
        assertThat(sample.millis()).isPositive();
        assertThat(sample.cpuMillis()).isPositive();
    }
}
