package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class FerryRunTest {
    private static final long MIB = 1 << 20;

    @Test
    void aBenchMigrationThatFailsIsReportedAsNotIntactNamingBothSides() {
        Migrator migrator = new Migrator(PluginRegistry.fromServiceLoader(FerryRunTest.class.getClassLoader()));
        GuestMemory source = GuestMemory.of(8 * MIB);
        GuestMemory smaller = GuestMemory.of(4 * MIB); // the destination cannot load a larger machine's RAM

        assertThatThrownBy(() -> FerryRun.migrate(
                        migrator, MigrationParameters.defaults(), source, smaller, BenchCase.State.paused))
                .isInstanceOf(MigrationNotIntactException.class)
                .hasMessageContaining("did not arrive intact")
                .hasMessageContaining("source FAILED")
                .hasMessageContaining("destination FAILED");
    }

    /** A memory belongs to one machine at a time: each run's machines hand theirs on to the next run's. */
    @Test
    void runAfterRunReusesBothMemories() throws Exception {
        Migrator migrator = new Migrator(PluginRegistry.fromServiceLoader(FerryRunTest.class.getClassLoader()));
        GuestMemory source = GuestMemory.of(8 * MIB);
        GuestMemory destination = GuestMemory.of(8 * MIB);
        io.ferry.machine.MemoryFill.random(source, 3, 0);
        for (BenchCase.State state : BenchCase.State.values()) {
            FerryRun.migrate(migrator, MigrationParameters.defaults(), source, destination, state);
            assertThat(destination.contentEquals(source))
                    .as("intact after a %s run", state)
                    .isTrue();
        }
    }

    @Test
    void aCommandWhoseMigrationIsNotIntactExitsWithOneAndOtherErrorsWithTwo() {
        assertThat(run(() -> {
                    throw new MigrationNotIntactException("bench migration did not arrive intact: test");
                }))
                .isEqualTo(1);
        assertThat(run(() -> {
                    throw new IllegalStateException("something else");
                }))
                .isEqualTo(2);
    }

    private static int run(Callable<Integer> body) {
        CommandLine cl = Ferry.commandLine();
        cl.addSubcommand("probe", new Probe(body));
        cl.setErr(new PrintWriter(new StringWriter()));
        return cl.execute("probe");
    }

    @Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        private final Callable<Integer> body;

        Probe(Callable<Integer> body) {
            this.body = body;
        }

        @Override
        public Integer call() throws Exception {
            return body.call();
        }
    }
}
