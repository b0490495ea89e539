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
        assertThat(ColdProcesses.parse("process warm-up: 4100 ms, in the background\ncold-sample 231 420 12 4100ms\n"))
                .contains(new ColdProcesses.Sample(231, 420, 12, "4100ms"));
        assertThat(ColdProcesses.parse("cold-sample 231 420 0 off"))
                .contains(new ColdProcesses.Sample(231, 420, 0, "off"));
        assertThat(ColdProcesses.parse("process warm-up: off\n")).isEmpty();
        assertThat(ColdProcesses.parse("cold-sample 231 420 off\n")).isEmpty();
        assertThat(ColdProcesses.parse("cold-sample 231 many 12 off\n")).isEmpty();
    }

    @Test
    void theSampleProcessRunsThisJavaWithItsClassPathAndOptionsButNotWhatStaysWithThisProcess() {
        List<String> command = ColdProcesses.command(
                1L << 20,
                List.of(
                        "-Xmx1g",
                        "-agentpath:/tmp/libasyncProfiler.so=start,file=/tmp/profile",
                        "-javaagent:jacoco.jar",
                        "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                        "-Xrunjdwp:transport=dt_socket,server=y,suspend=y",
                        "-Xdebug",
                        "-XX:StartFlightRecording=filename=/tmp/rec.jfr",
                        "-Dcom.sun.management.jmxremote.port=9010",
                        "-Xlog:gc:file=/tmp/gc.log",
                        "-Xlog:gc:gc.log",
                        "-Xloggc:/tmp/gc.log",
                        "-XX:LogFile=/tmp/hotspot.log",
                        "-Dcom.sun.management.config.file=/etc/jmx.properties",
                        "-Xlog:gc",
                        "-Xlog:gc*:stdout:uptime",
                        "-Xlog:safepoint::uptime",
                        "-XX:MaxDirectMemorySize=4g",
                        "-Dferry.warm-up=false"));
        assertThat(command.get(0)).endsWith("java");
        assertThat(command.subList(1, command.size()))
                .containsExactly(
                        "-Xmx1g",
                        "-Xlog:gc",
                        "-Xlog:gc*:stdout:uptime",
                        "-Xlog:safepoint::uptime",
                        "-XX:MaxDirectMemorySize=4g",
                        "-Dferry.warm-up=false",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.ferry.cli.Ferry",
                        "bench",
                        "--cold-sample",
                        Long.toString(ProcessHandle.current().pid()),
                        "--sizes",
                        "1048576");
    }

    @Test
    void aProcessThatFailsOrGivesNoSampleIsAnErrorThatShowsItsOutput() {
        assertThatThrownBy(() -> ColdProcesses.measure(List.of(JAVA, "-XX:+NoSuchFerryOption", "-version")))
                .isInstanceOf(ColdProcesses.ColdProcessException.class)
                .hasMessageStartingWith("a fresh process for a cold sample failed (exit 1); its output:")
                .hasMessageContaining("NoSuchFerryOption");
        assertThatThrownBy(() -> ColdProcesses.measure(List.of(JAVA, "-version")))
                .isInstanceOf(ColdProcesses.ColdProcessException.class)
                .hasMessageStartingWith("a fresh process for a cold sample printed no 'cold-sample' line; its output:")
                .hasMessageContaining("version");
    }

    /** The bench exits 1 when a fresh process's migration did not arrive intact, as for its own migrations. */
    @Test
    void aProcessWhoseMigrationWasNotIntactFailsTheBenchAsNotIntact() {
        String said = ColdProcesses.NOT_INTACT + "arrive intact: source FAILED";
        assertThatThrownBy(() -> ColdProcesses.measure(List.of("/bin/sh", "-c", "echo '" + said + "' >&2; exit 1")))
                .isInstanceOf(MigrationNotIntactException.class)
                .hasMessageStartingWith("a fresh process's first migration did not arrive intact; its output:")
                .hasMessageContaining(said);
    }

    @Test
    void aSampleProcessGivesTheFiguresOfItsFirstMigration() throws Exception {
        ColdProcesses.Sample sample = ColdProcesses.measure(16L << 20);
        assertThat(sample.millis()).isPositive();
        assertThat(sample.cpuMillis()).isNotNegative();
        assertThat(sample.jitMillis()).isNotNegative();
        assertThat(sample.warmUp()).matches("\\d+ms|off|failed|unfinished");
    }
}
