package io.ferry.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.internal.ItsPlugin;
import io.ferry.machine.DirtyPattern;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.shell.MachineSpec;
import io.ferry.shell.internal.Views.HandlerRow;
import io.ferry.shell.internal.Views.MigrationInfo;
import io.ferry.stream.FrameType;
import io.ferry.testkit.Await;
import io.ferry.testkit.Fault;
import io.ferry.testkit.FaultyChannel;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.Test;

/** The shell's commands without OSGi: two sessions in one process over loopback TCP, checked by their data. */
class ShellSessionTest {
    private static final long RAM = 16L << 20;
    private final PluginRegistry plugins = PluginRegistry.of(new RamPlugin(), new ItsPlugin());
    private final ShellText text = new ShellText();

    private static MachineSpec spec(long rate) {
        return new MachineSpec(RAM, List.of("its"), rate, DirtyPattern.parse("hot"), 1);
    }

    /** A typo in ferry:machine closed the machine there was, then failed: the session had none left. */
    @Test
    void aMachineSpecThatCannotBeBuiltLeavesTheMachineThereIs() {
        try (ShellSession session = new ShellSession(plugins)) {
            session.createMachine(spec(0), false);
            MachineSpec typo = new MachineSpec(RAM, List.of("warp"), 0, DirtyPattern.parse("hot"), 1);

            assertThatThrownBy(() -> session.createMachine(typo, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("warp");
            assertThat(session.machine()).isPresent();
            assertThat(session.machine().orElseThrow().runState()).isEqualTo(RunState.RUNNING);
        }
    }

    /** A second cancel said the migration was past its point of no return, while its machine was resuming. */
    @Test
    void aSecondCancelSaysTheMigrationIsCancellingAlready() throws Exception {
        String rendered = text.format(
                        new Views.CancelOutcome(io.ferry.pipeline.Side.SOURCE, false, MigrationStatus.CANCELLING),
                        Converter.INSPECT,
                        null)
                .toString();
        assertThat(rendered).isEqualTo("nothing to cancel: the source migration is cancelling already");
        assertThat(rendered).doesNotContain("point of no return");
    }

    @Test
    void migratesBetweenTwoSessionsWithProgressAndEqualDigests() throws Exception {
        try (ShellSession destination = new ShellSession(plugins);
                ShellSession source = new ShellSession(plugins)) {
            destination.createMachine(spec(0), true);
            destination.setParameter("run-on-destination", "false");
            String uri =
                    destination.incoming(MigrationUri.parse("tcp:127.0.0.1:0")).uri();
            assertThat(source.createMachine(spec(5000), false).runState()).isEqualTo(RunState.RUNNING);

            source.migrate(MigrationUri.parse(uri));
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            MigrationInfo info = source.current().follow(new PrintStream(progress, true, StandardCharsets.UTF_8));

            assertThat(info.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(info.plugins()).containsExactly("its", "ram");
            assertThat(info.passes()).isNotEmpty();
            assertThat(info.passes().get(0).pass()).isZero();
            assertThat(info.figures().transferredBytes()).isPositive();
            assertThat(progress.toString(StandardCharsets.UTF_8))
                    .containsPattern("\\[#+\\] pass 0 +setup")
                    .containsPattern("\\[[#.]+\\] pass 1 +(iterate|complete) +transferred");
            Await.until(
                    Duration.ofSeconds(30),
                    () -> destination.info().orElseThrow().status() == MigrationStatus.COMPLETED,
                    () -> destination.info().toString());
            assertThat(destination.verify().state()).isEqualTo(source.verify().state());
            assertThat(destination.verify().runState()).isEqualTo(RunState.PAUSED);
            assertThat(destination.cont().runState()).isEqualTo(RunState.RUNNING);
            assertThatThrownBy(source::cont).hasMessageContaining("migrated away: it runs on the destination now");
            assertThat(text.format(info, Converter.INSPECT, null).toString())
                    .startsWith("source migration: COMPLETED")
                    .contains("plugins:            [its, ram]");
            assertThat(text.format(info, Converter.LINE, null).toString()).isEqualTo("source migration 1: COMPLETED");
        }
    }

    /** ferry:info's record carries the XBZRLE cache figures of a hot-page workload, and the Converter shows them. */
    @Test
    void infoCarriesTheXbzrleHitRate() throws Exception {
        try (ShellSession destination = new ShellSession(plugins);
                ShellSession source = new ShellSession(plugins)) {
            MachineSpec hot = new MachineSpec(32L << 20, List.of(), 20_000, DirtyPattern.parse("hot:0.02"), 7);
            destination.createMachine(new MachineSpec(32L << 20, List.of(), 0, DirtyPattern.parse("hot"), 7), true);
            String uri =
                    destination.incoming(MigrationUri.parse("tcp:127.0.0.1:0")).uri();
            source.createMachine(hot, false);
            source.setParameter("xbzrle-cache-size", "4M");
            source.setParameter("max-bandwidth", "48M");
            source.setParameter("downtime-limit", "5");
            source.setParameter("iteration-cap", "6");
            source.migrate(MigrationUri.parse(uri));
            source.current().follow(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

            MigrationInfo info = source.info().orElseThrow();
            assertThat(info.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(info.figures().xbzrleCacheHits()).isPositive();
            assertThat(info.figures().xbzrleHitRate()).isBetween(0.0, 1.0);
            assertThat(text.format(info, Converter.INSPECT, null).toString())
                    .containsPattern(
                            "xbzrle hit rate: +[0-9.]+ % \\(" + info.figures().xbzrleCacheHits() + " hits, "
                                    + info.figures().xbzrleCacheMisses() + " misses\\)");
        }
    }

    /**
     * COMMIT lost after the ACK, and the source unreachable (no decision port to ask): the destination
     * shows IN_DOUBT with the stream id, and ferry:resolve ends it.
     */
    @Test
    void anInDoubtIncomingMigrationIsResolvedWithTheSourcesDecision() throws Exception {
        try (ShellSession destination = new ShellSession(plugins);
                ShellSession source = new ShellSession(plugins)) {
            destination.createMachine(spec(0), true);
            destination.setParameter("run-on-destination", "false");
            String uri =
                    destination.incoming(MigrationUri.parse("tcp:127.0.0.1:0")).uri();
            source.createMachine(spec(0), false);
            Migration out = new Migrator(plugins)
                    .migrate(
                            source.machine().orElseThrow(),
                            new FaultyChannel(
                                    Transports.connect(MigrationUri.parse(uri)),
                                    new Fault.LinkFails(FrameType.COMMIT, false, false),
                                    false),
                            MigrationParameters.defaults());
            Await.until(
                    Duration.ofSeconds(60),
                    () -> out.status() == MigrationStatus.IN_DOUBT,
                    () -> "source " + out.status());
            Await.until(
                    Duration.ofSeconds(60),
                    () -> destination.info().orElseThrow().status() == MigrationStatus.IN_DOUBT,
                    () -> destination.info().toString());
            String stream = String.format("%016x", out.streamId().orElseThrow());
            MigrationInfo info = destination.info().orElseThrow();
            assertThat(text.format(info, Converter.INSPECT, null).toString())
                    .contains("stream:             " + stream + ", in doubt: ferry:resolve commit|abort " + stream);
            assertThat(out.decision().orElseThrow().verdict()).isEqualTo(SwitchoverDecision.Verdict.COMMITTED);

            assertThatThrownBy(() -> destination.resolve("maybe", stream))
                    .hasMessageContaining("commit or abort, not 'maybe'");
            assertThatThrownBy(() -> destination.resolve("commit", "0000000000000001"))
                    .hasMessageContaining("but this migration is about stream " + stream);
            assertThatThrownBy(() -> source.resolve("commit", stream)).hasMessageContaining("no migration yet");
            Views.ResolveOutcome resolved = destination.resolve("commit", stream);
            assertThat(resolved.resolved()).isTrue();
            assertThat(text.format(resolved, Converter.INSPECT, null).toString())
                    .startsWith("stream " + stream + " resolved COMMITTED: the machine runs here");
            Await.until(
                    Duration.ofSeconds(30),
                    () -> destination.info().orElseThrow().status() == MigrationStatus.COMPLETED,
                    () -> destination.info().toString());
            assertThatThrownBy(() -> destination.resolve("commit", stream))
                    .hasMessageContaining("COMPLETED, not IN_DOUBT");
            // The source committed and never heard back: told the destination runs, it stays stopped for good.
            assertThat(out.resolve(
                            new SwitchoverDecision(out.streamId().orElseThrow(), SwitchoverDecision.Verdict.COMMITTED)))
                    .isTrue();
            out.await(Duration.ofSeconds(30));
            assertThat(out.status()).isEqualTo(MigrationStatus.COMPLETED);
            assertThatThrownBy(source::cont).hasMessageContaining("must not run twice");
            assertThat(destination.verify().state()).isEqualTo(source.verify().state());
        }
    }

    @Test
    void handlersShowThePluginsBundlesAndOrderInColumnsThatFit() {
        try (ShellSession n = new ShellSession(plugins)) {
            Views.HandlerTable bare = ShellData.handlers(n.machine(), plugins, p -> "bundle-of-" + p.name());
            assertThat(bare.bareMachine()).isTrue();
            assertThat(bare.rows())
                    .extracting(HandlerRow::handler)
                    .contains("ram.final")
                    .doesNotContain("its.flush");
            n.createMachine(spec(0), false);
            Views.HandlerTable table =
                    ShellData.handlers(n.machine(), plugins, p -> "a-very-long-bundle-name-of-" + p.name());
            List<HandlerRow> complete = table.rows().stream()
                    .filter(r -> r.stage() == Stage.COMPLETE)
                    .toList();
            assertThat(complete)
                    .extracting(HandlerRow::handler)
                    .startsWith("its.flush")
                    .contains("ram.final");
            assertThat(complete.get(0).place()).isEqualTo("BEFORE_RAM");
            assertThat(complete.get(0).section()).isEqualTo("no chunk");
            String rendered = text.format(table, Converter.INSPECT, null).toString();
            int column = rendered.lines()
                    .filter(l -> l.startsWith("stage"))
                    .findFirst()
                    .orElseThrow()
                    .indexOf("section");
            rendered.lines()
                    .filter(l -> l.contains("a-very-long-bundle-name-of-"))
                    .forEach(l -> assertThat(l.substring(column))
                            .as("the section column of %s", l)
                            .doesNotStartWith(" ")
                            .isNotBlank());
            assertThat(ShellData.plugins(plugins, p -> "b").plugins())
                    .extracting(Views.PluginInfo::name)
                    .containsExactly("its", "ram");
        }
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        try (ShellSession n = new ShellSession(plugins)) {
            assertThatThrownBy(n::verify).hasMessageContaining("no machine: create one with ferry:machine --ram SIZE");
            assertThatThrownBy(() -> n.migrate(MigrationUri.parse("tcp:127.0.0.1:1")))
                    .hasMessageContaining("no machine");
            assertThatThrownBy(() -> n.createMachine(
                            new MachineSpec(RAM, List.of("warp"), 0, DirtyPattern.parse("hot"), 1), false))
                    .hasMessageContaining("unknown device 'warp': available are [its]");
            n.createMachine(new MachineSpec(RAM, List.of(), 0, DirtyPattern.parse("hot"), 1), true);
            assertThatThrownBy(n::cont)
                    .hasMessageContaining("waits for an incoming migration: it has nothing to run yet");
            n.createMachine(new MachineSpec(RAM, List.of(), 0, DirtyPattern.parse("hot"), 1), false);
            assertThatThrownBy(() -> n.incoming(MigrationUri.parse("tcp:127.0.0.1:0")))
                    .hasMessageContaining("no incoming machine");
            assertThatThrownBy(() -> n.setParameter("bogus", "1")).hasMessageContaining("unknown parameter 'bogus'");
            assertThat(n.info()).isEmpty();
            assertThatThrownBy(n::cancel).hasMessageContaining("no migration yet");
        }
    }
}
