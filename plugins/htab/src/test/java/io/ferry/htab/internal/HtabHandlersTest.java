package io.ferry.htab.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.htab.HtabGeometry;
import io.ferry.htab.HtabSection;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.TestMachines;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtabHandlersTest {
    private static final HtabGeometry SMALL = new HtabGeometry(64 << 10); // 16 groups
    private static final HtabConfig CONFIG = new HtabConfig(SMALL, 1_000);

    @Test
    void handlersFollowRamAndTheIterateHandlerReportsPendingBytes() {
        try (Machine m = TestMachines.runningSource("htab-order", 1L << 20, 1);
                Machine dest = TestMachines.destinationFor(m);
                Machine bare = TestMachines.runningSource("bare", 1L << 20, 2)) {
            HtabDevice.attachToSource(m, CONFIG, 1);
            HtabDevice.attachToDestination(dest, CONFIG);

            Pipeline source = Pipeline.assemble(Side.SOURCE, m, List.of(new RamPlugin(), new HtabPlugin()));
            assertThat(source.order(Stage.SETUP)).containsExactly("ram.setup", "htab.setup");
            assertThat(source.order(Stage.ITERATE)).containsExactly("ram.iterate", "htab.iterate");
            assertThat(source.order(Stage.COMPLETE)).containsExactly("ram.final", "htab.final");
            assertThat(source.sections()).contains(HtabSection.ID);
            HandlerRegistration iterate = source.handlers(Stage.ITERATE).get(1);
            assertThat(iterate.pending())
                    .as("before SETUP the whole table is pending")
                    .hasValue(16L * HtabSection.GROUP_RECORD);

            Pipeline destination =
                    Pipeline.assemble(Side.DESTINATION, dest, List.of(new RamPlugin(), new HtabPlugin()));
            assertThat(destination.loaderFor(HtabSection.ID)).isPresent();
            assertThat(destination.order(Stage.LOAD_COMPLETE)).containsExactly("ram.check", "htab.check");

            assertThat(Pipeline.assemble(Side.SOURCE, bare, List.of(new HtabPlugin()))
                            .sections())
                    .isEmpty();
        }
    }

    @Test
    void loaderRebuildsTheTableAndRefusesBadChunksWithTheReason() {
        try (Machine m = Machine.incoming("htab-load", GuestMemory.of(1L << 20));
                Machine other = Machine.incoming("htab-other", GuestMemory.of(1L << 20))) {
            HtabDevice d = HtabDevice.attachToDestination(m, CONFIG);
            HtabLoader loader = new HtabLoader(d);

            assertThatThrownBy(() -> loader.load(null, ByteBuffer.allocate(0)))
                    .hasMessageContaining("empty htab chunk");
            assertThatThrownBy(() -> loader.load(null, groups(0, 1)))
                    .hasMessageContaining("groups arrived before the htab header");
            assertThatThrownBy(() -> loader.load(null, header(128L << 10)))
                    .hasMessageContaining("source htab is 131072 bytes, destination's is 65536 bytes");
            assertThatThrownBy(() -> loader.load(null, ByteBuffer.wrap(new byte[] {9})))
                    .hasMessageContaining("unknown htab chunk kind 9");
            loader.load(null, header(SMALL.tableBytes()));
            assertThatThrownBy(() -> loader.load(null, header(SMALL.tableBytes())))
                    .hasMessageContaining("second htab header");

            assertThatThrownBy(() -> loader.load(null, groups(3, 16)))
                    .hasMessageContaining("group 16 outside the table's 16 groups");
            ByteBuffer truncated = groups(0, 1);
            assertThatThrownBy(() -> loader.load(null, truncated.limit(truncated.limit() - 1)))
                    .hasMessageContaining("declares 2 groups");
            assertThatThrownBy(() -> loader.complete(null)).hasMessageContaining("16 of 16 groups never arrived");

            for (int g = 0; g < SMALL.groups(); g += 2) {
                loader.load(null, groups(g, g + 1));
            }
            loader.complete(null);

            HtabDevice fresh = HtabDevice.attachToDestination(other, CONFIG);
            assertThat(d.stateFingerprint()).as("loaded table vs. an empty one").isNotEqualTo(fresh.stateFingerprint());
        }
    }

    @Test
    void serviceLoaderFindsThePluginAndItsDeviceModel() {
        List<MigrationPlugin> found =
                PluginRegistry.fromServiceLoader(getClass().getClassLoader()).snapshot();
        MigrationPlugin htab =
                found.stream().filter(p -> p.name().equals("htab")).findFirst().orElseThrow();
        assertThat(htab.deviceModels()).extracting(m -> m.name()).containsExactly("htab");
    }

    private static ByteBuffer header(long tableBytes) {
        return ByteBuffer.allocate(HtabSection.HEADER_BYTES)
                .put(HtabSection.HEADER)
                .putLong(tableBytes)
                .putInt(HtabGeometry.ENTRY_BYTES)
                .putInt(HtabGeometry.GROUP_BYTES)
                .flip();
    }

    /** A groups chunk carrying the given groups, each filled with its index + 1. */
    private static ByteBuffer groups(int... indices) {
        ByteBuffer b = ByteBuffer.allocate(HtabSection.GROUPS_PREFIX + indices.length * HtabSection.GROUP_RECORD)
                .put(HtabSection.GROUPS)
                .putInt(indices.length);
        for (int g : indices) {
            b.putInt(g);
            for (int i = 0; i < HtabGeometry.GROUP_BYTES; i++) {
                b.put((byte) (g + 1));
            }
        }
        return b.flip();
    }
}
