package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.DirtyPattern;
import io.ferry.machine.Machine;
import io.ferry.machine.PageDirtier;
import io.ferry.machine.Vcpu;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationParameters;
import io.ferry.pipeline.Compression;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.Await;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.StateAssertions;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** XBZRLE through the engine: a live machine whose hot pages change a word at a time arrives as at switchover. */
class XbzrleMigrationTest {
    private static final long RAM = 32L << 20;

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aLiveMachineWithDeltasArrivesAsAtSwitchover(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("xbzrle", RAM, 6);
                Machine dest = TestMachines.destinationFor(source)) {
            Vcpu vcpu = source.startVcpu(
                    "vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.05), 6));
            MigrationParameters params = MigrationParameters.defaults()
                    .with("xbzrle-cache-size", "4M")
                    .withCompression(Compression.lz4)
                    .withMaxBandwidth(24L << 20)
                    .withDowntimeLimit(Duration.ofMillis(50));
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(transport)
                    .parameters(params)
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            assertThat(vcpu.steps()).isPositive();
            assertThat(out.sourceFigures().iterations()).isGreaterThanOrEqualTo(2);
            StateAssertions.assertSameState(source, dest);
        }
    }

    /**
     * Hot pages rewritten a few bytes at a time pass after pass: the source's figures count cache
     * hits from pass 3 on (pass 2 fills the cache), per pass and in the end, and the migration's
     * MXBean shows the same counts and rate.
     */
    @Test
    void theFiguresCountCacheHitsOfHotPages() throws Exception {
        try (Machine source = TestMachines.runningSource("xbzrle-figures", RAM, 7);
                Machine dest = TestMachines.destinationFor(source)) {
            source.startVcpu("vcpu0", 20_000, new PageDirtier(source.memory(), new DirtyPattern.HotSet(0.02), 7));
            MigrationParameters params = MigrationParameters.defaults()
                    .with("xbzrle-cache-size", "4M")
                    .withMaxBandwidth(48L << 20)
                    .withDowntimeLimit(Duration.ofMillis(5))
                    .withIterationCap(6);
            MigrationOutcome out = Harness.between(source, dest)
                    .plugins(new RamPlugin())
                    .transport(TransportKind.TCP)
                    .parameters(params)
                    .run(Duration.ofSeconds(60))
                    .assertCompleted();
            MigrationFigures f = out.sourceFigures();
            assertThat(f.iterations()).isGreaterThanOrEqualTo(3);
            assertThat(f.xbzrleCacheHits()).isPositive();
            assertThat(f.xbzrleHitRate())
                    .isEqualTo(f.xbzrleCacheHits() / (double) (f.xbzrleCacheHits() + f.xbzrleCacheMisses()));
            assertThat(out.sourcePasses())
                    .extracting(p -> p.figures().xbzrleCacheHits())
                    .isSorted();
            assertThat(out.sourcePasses().get(0).figures().xbzrleCacheHits())
                    .isZero(); // pass 1 sends all of RAM uncached
            StateAssertions.assertSameState(source, dest);

            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = server.queryNames(
                    new ObjectName("io.ferry:type=Migration,machine=" + ObjectName.quote(source.name()) + ",*"), null);
            assertThat(names).hasSize(1);
            ObjectName bean = names.iterator().next();
            Await.until(
                    Duration.ofSeconds(10),
                    () -> "COMPLETED".equals(attribute(server, bean, "Status")),
                    "the MXBean reports the end");
            assertThat(server.getAttribute(bean, "XbzrleCacheHits")).isEqualTo(f.xbzrleCacheHits());
            assertThat(server.getAttribute(bean, "XbzrleCacheMisses")).isEqualTo(f.xbzrleCacheMisses());
            assertThat(server.getAttribute(bean, "XbzrleHitRate")).isEqualTo(f.xbzrleHitRate());
        }
    }

    private static Object attribute(MBeanServer server, ObjectName bean, String name) {
        try {
            return server.getAttribute(bean, name);
        } catch (javax.management.JMException e) {
            throw new IllegalStateException(e);
        }
    }
}
