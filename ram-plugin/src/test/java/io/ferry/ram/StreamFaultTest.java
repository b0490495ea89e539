package io.ferry.ram;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.RunState;
import io.ferry.migration.DestinationFailedException;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.SectionRefusedException;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Stage;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.stream.ChecksumMismatchException;
import io.ferry.stream.FrameTooLargeException;
import io.ferry.stream.StreamFormatException;
import io.ferry.stream.StreamHeader;
import io.ferry.stream.TruncatedStreamException;
import io.ferry.testkit.Fault;
import io.ferry.testkit.Harness;
import io.ferry.testkit.MigrationOutcome;
import io.ferry.testkit.TestMachines;
import io.ferry.testkit.TransportKind;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Corrupt, cut or refused streams fail with a typed error; the destination never runs; the source resumes. */
class StreamFaultTest {
    private static final long RAM = 32L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The first frame (MANIFEST) starts right after the header; its length field is 4 bytes in. */
    private static final long MANIFEST_LENGTH_HIGH_BYTE = StreamHeader.SIZE + 4;

    private static MigrationOutcome migrateWith(Fault fault, Machine source, Machine dest, TransportKind transport)
            throws Exception {
        return Harness.between(source, dest)
                .plugins(new RamPlugin())
                .transport(transport)
                .fault(fault)
                .run(WAIT);
    }

    private static void assertFailedCleanly(
            MigrationOutcome out, Machine source, Machine dest, Class<? extends StreamFormatException> type) {
        assertThat(out.destination().status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(out.destination().failure().orElseThrow()).hasCauseInstanceOf(type);
        assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        if (out.source().status() != MigrationStatus.COMPLETED) { // a snapshot file is written whole, then rejected
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aFlippedByteInTheManifestLoadsNothing(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("flip-m", RAM, 1);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = migrateWith(Fault.flipByte(StreamHeader.SIZE + 10), source, dest, transport);
            assertFailedCleanly(out, source, dest, ChecksumMismatchException.class);
            assertThat(dest.memory().firstNonZero(0, dest.memory().size())).isEqualTo(-1); // not one byte loaded
        }
    }

    @Test
    void aFlippedByteInAPageBatchIsRejectedAndNoCorruptPageIsApplied() throws Exception {
        try (Machine source = TestMachines.runningSource("flip-p", RAM, 2);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.random(source.memory(), 2, 0); // no zero pages: every destination page is either loaded or zero
            source.pause();
            MigrationOutcome out = migrateWith(Fault.flipByte(10L << 20), source, dest, TransportKind.TCP);
            assertThat(out.destination().failure().orElseThrow())
                    .hasCauseInstanceOf(ChecksumMismatchException.class)
                    .hasMessageContaining("CHUNK frame checksum");
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            assertThat(source.runState()).isEqualTo(RunState.PAUSED); // it was paused before, and is again
            long loaded = 0;
            ByteBuffer ours = ByteBuffer.allocate(4096);
            ByteBuffer theirs = ByteBuffer.allocate(4096);
            for (long page = 0; page < source.memory().pages(); page++) {
                source.memory().untracked().read(page << 12, ours.clear());
                dest.memory().untracked().read(page << 12, theirs.clear());
                boolean same = ours.flip().equals(theirs.flip());
                boolean untouched = dest.memory().firstNonZero(page << 12, 4096) < 0;
                assertThat(same || untouched)
                        .as("page %d is either the source's or untouched", page)
                        .isTrue();
                loaded += same ? 1 : 0;
            }
            assertThat(loaded).isPositive().isLessThan(source.memory().pages()); // loading stopped at the bad batch
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TransportKind.class,
            names = {"TCP", "MEMORY"})
    void aDroppedConnectionIsATruncatedStream(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("drop", RAM, 3);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = migrateWith(Fault.dropAfter(5L << 20), source, dest, transport);
            assertFailedCleanly(out, source, dest, TruncatedStreamException.class);
            assertThat(out.source().failure().orElseThrow()).hasMessageContaining("injected fault");
        }
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAnythingIsLoaded() throws Exception {
        try (Machine source = TestMachines.runningSource("big", RAM, 4);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out =
                    migrateWith(new Fault.FlipByte(MANIFEST_LENGTH_HIGH_BYTE, 0x40), source, dest, TransportKind.TCP);
            assertFailedCleanly(out, source, dest, FrameTooLargeException.class);
            assertThat(out.destination().failure().orElseThrow()).hasMessageContaining("maximum is");
            assertThat(dest.memory().firstNonZero(0, dest.memory().size())).isEqualTo(-1);
        }
    }

    @Test
    void aTruncatedSnapshotFileIsRejected() throws Exception {
        try (Machine source = TestMachines.runningSource("cut", RAM, 5);
                Machine dest = TestMachines.destinationFor(source)) {
            source.pause();
            MigrationOutcome out = migrateWith(Fault.dropAfter(3L << 20), source, dest, TransportKind.FILE);
            assertThat(out.source().status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(source.runState()).isEqualTo(RunState.PAUSED);
            assertThat(out.destination().status())
                    .isEqualTo(MigrationStatus.NONE); // a failed snapshot is never restored
        }
    }

    /** A plugin with a section of its own on the source side only. */
    private static final class ExtraSection implements MigrationPlugin {
        private final int version;
        private final boolean loader;

        ExtraSection(int version, boolean loader) {
            this.version = version;
            this.loader = loader;
        }

        @Override
        public String name() {
            return "extra";
        }

        @Override
        public void registerSource(Registrar r) {
            r.on(Stage.COMPLETE)
                    .id("extra.state")
                    .priority(Priority.BEFORE_RAM)
                    .section(SectionId.of("extra", 0, version))
                    .handler(ctx -> ctx.chunks().emit(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        }

        @Override
        public void registerDestination(Registrar r) {
            if (loader) {
                r.on(Stage.LOAD)
                        .id("extra.load")
                        .priority(Priority.BEFORE_RAM)
                        .section(SectionId.of("extra", 0, 1))
                        .loader((ctx, payload) -> {});
            }
        }
    }

    @Test
    void aSectionWithoutAHandlerIsRefusedBeforeLoadingAnything() throws Exception {
        try (Machine source = TestMachines.runningSource("nohandler", RAM, 6);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .sourcePlugins(PluginRegistry.of(new RamPlugin(), new ExtraSection(1, true)))
                    .destinationPlugins(PluginRegistry.of(new RamPlugin()))
                    .run(WAIT);
            assertThat(out.destination().failure().orElseThrow())
                    .isInstanceOf(SectionRefusedException.class)
                    .hasMessageContaining("section extra/0 v1 has no handler on the destination");
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(DestinationFailedException.class)
                    .hasMessageContaining("extra/0 v1");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
            assertThat(dest.memory().firstNonZero(0, dest.memory().size())).isEqualTo(-1);
        }
    }

    /**
     * The destination answers the MANIFEST before the source sends anything else, so a refusal costs
     * the header and the manifest, not megabytes of RAM. What the source wrote bounds what the
     * destination received.
     */
    @ParameterizedTest
    @EnumSource(
            value = TransportKind.class,
            names = {"MEMORY", "TCP"})
    void aRefusedManifestStopsTheSourceBeforeItSendsRam(TransportKind transport) throws Exception {
        try (Machine source = TestMachines.runningSource("refused", 4 * RAM, 1);
                Machine dest = TestMachines.destinationFor(source)) {
            MemoryFill.random(source.memory(), 9, 0);
            MigrationOutcome out = Harness.between(source, dest)
                    .transport(transport)
                    .sourcePlugins(PluginRegistry.of(new RamPlugin(), new ExtraSection(1, true)))
                    .destinationPlugins(PluginRegistry.of(new RamPlugin()))
                    .run(WAIT);
            assertThat(out.source().failure().orElseThrow())
                    .isInstanceOf(DestinationFailedException.class)
                    .hasMessageContaining("section extra/0 v1 has no handler on the destination");
            assertThat(out.source().figures().transferredBytes())
                    .as("bytes the source wrote")
                    .isLessThanOrEqualTo(StreamHeader.SIZE + 128L);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void aSectionNewerThanItsHandlerIsRefused() throws Exception {
        try (Machine source = TestMachines.runningSource("newer", RAM, 7);
                Machine dest = TestMachines.destinationFor(source)) {
            MigrationOutcome out = Harness.between(source, dest)
                    .sourcePlugins(PluginRegistry.of(new RamPlugin(), new ExtraSection(2, true)))
                    .destinationPlugins(PluginRegistry.of(new RamPlugin(), new ExtraSection(1, true)))
                    .run(WAIT);
            assertThat(out.destination().failure().orElseThrow())
                    .isInstanceOf(SectionRefusedException.class)
                    .hasMessageContaining("extra/0 v2 is newer than its handler extra.load supports (up to v1)");
            assertThat(dest.memory().firstNonZero(0, dest.memory().size())).isEqualTo(-1);
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void aDestinationWithDifferentRamIsRefusedByTheRamPlugin() throws Exception {
        try (Machine source = TestMachines.runningSource("layout", RAM, 8);
                Machine dest = Machine.incoming("small", io.ferry.machine.GuestMemory.of(RAM / 2))) {
            MigrationOutcome out =
                    Harness.between(source, dest).plugins(new RamPlugin()).run(WAIT);
            assertThat(out.destination().failure().orElseThrow())
                    .hasMessageContaining("ram.load")
                    .hasMessageContaining(
                            "source RAM block 0 is 'ram' of 32.0 MiB, destination's is 'ram' of 16.0 MiB");
            assertThat(source.runState()).isEqualTo(RunState.RUNNING);
        }
    }
}
