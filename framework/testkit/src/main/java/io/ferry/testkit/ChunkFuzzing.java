package io.ferry.testkit;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationException;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.SectionId;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.InMemoryTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * For a plugin's fuzz tests: feeds arbitrary chunks to its section loader through a real
 * destination (in-memory transport), and checks what must hold whatever the bytes: the load ends,
 * a refused stream leaves the machine in INMIGRATE and unclaimed, and what the loader threw is a
 * checked exception or an {@link IllegalArgumentException}/{@link IllegalStateException} raised on
 * purpose (which may wrap the underflow it caught), never a programming error such as a
 * NullPointerException or an index out of bounds escaping on its own.
 */
public final class ChunkFuzzing {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private ChunkFuzzing() {}

    /**
     * As {@link #load(MigrationPlugin, Machine, SectionId, List)}, into a fresh destination of
     * {@code ramBytes} with {@code plugin}'s device model {@code device} attached: what a device
     * plugin's fuzz test needs.
     */
    public static Migration loadIntoDevice(
            MigrationPlugin plugin, String device, long ramBytes, SectionId section, List<byte[]> chunks)
            throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(plugin);
        try (Machine destination = Machine.incoming("fuzz", GuestMemory.of(ramBytes))) {
            registry.deviceModel(device).attachToDestination(destination);
            return load(plugin, destination, section, chunks);
        }
    }

    /** Loads {@code chunks} of {@code section} into {@code destination} (in INMIGRATE, devices attached) and checks the outcome. */
    public static Migration load(MigrationPlugin plugin, Machine destination, SectionId section, List<byte[]> chunks)
            throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(plugin);
        InMemoryTransport pipes = InMemoryTransport.open();
        Migration in =
                new Migrator(registry).incoming(destination, pipes.destinationEnd(), MigrationParameters.defaults());
        try {
            FrameWriter w = new FrameWriter(pipes.sourceEnd().output(), 4 << 20);
            w.writeHeader(StreamHeader.singleChannel(1));
            w.writeManifest(new Frame.Manifest(List.of(section)));
            for (byte[] c : chunks) {
                w.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(c)}, 0, 1);
            }
            w.writePass(new Frame.Pass(0));
            w.writeEnd();
            FrameReader answers = new FrameReader(pipes.sourceEnd().input(), 64 << 10);
            Frame answer = answers.next();
            if (answer instanceof Frame.Accept) { // the manifest was accepted; the ACK (or an ERROR) follows
                answer = answers.next();
            }
            if (answer instanceof Frame.Ack) {
                w.writeCommit();
            }
        } catch (IOException e) {
            // the destination refused the stream and closed its end
        } finally {
            pipes.sourceEnd().close(); // a refusing destination reads on until the source closes
            in.await(LIMIT);
        }
        check(in, destination);
        return in;
    }

    private static void check(Migration in, Machine destination) {
        if (in.status() != MigrationStatus.COMPLETED && in.status() != MigrationStatus.FAILED) {
            throw new AssertionError("the load ended " + in.status());
        }
        if (destination.isClaimed()) {
            throw new AssertionError("the machine is still claimed after the load ended");
        }
        if (in.status() == MigrationStatus.FAILED) {
            if (destination.runState() != RunState.INMIGRATE) {
                throw new AssertionError("a refused stream left the machine " + destination.runState());
            }
            // The engine wraps in checked exceptions; the first unchecked one in the chain is what the loader threw.
            Throwable thrown = firstUnchecked(in.failure().orElseThrow());
            if (thrown != null
                    && !(thrown instanceof IllegalArgumentException || thrown instanceof IllegalStateException)) {
                throw new AssertionError("the loader failed with a programming error on fuzzed input", thrown);
            }
        }
    }

    private static Throwable firstUnchecked(MigrationException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RuntimeException || t instanceof Error) {
                return t;
            }
        }
        return null;
    }
}
