package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The source's channels of one migration, each with its frame writer. Channel 0 carries the
 * stream in order (manifest, device sections, PASS, PING, END, COMMIT, VOID); RAM batches are
 * spread over every channel round-robin from pass 1 on. Every other channel ends each segment
 * (a pass, or what came before a VOID: an empty one after END) with a SEGMENT frame of its own numbering, which
 * the destination's barrier waits for, carrying the count, bytes and digest of the chunks the
 * channel wrote in the segment, which the destination checks (docs/stream-format.md, "Several channels").
 *
 * <p>Channel 0 is written by the migration thread itself, so its order is the order of the calls.
 * Each other channel has a {@link ChannelWriter} thread that writes, in order, the RAM chunks and
 * segment markers handed to it: the checksums and socket writes of several channels run in
 * parallel with the page scan. A segment's end waits until every channel has written its marker,
 * so nothing is left queued once a PASS or VOID is on channel 0, and a failed write on any
 * channel fails the migration there at the latest.
 */
final class StreamChannels implements AutoCloseable {
    private final List<FrameWriter> writers = new ArrayList<>();
    private final List<ChannelWriter> threads = new ArrayList<>(); // channel i's thread at i - 1
    private final int[] segments;
    private int next;
    private boolean spreading;

    private final int count;
    private final int maxFrameSize;
    private final long streamId;
    private final String name;

    /** {@code name}: the writer threads' name prefix (the migration's). */
    StreamChannels(int count, int maxFrameSize, long streamId, String name) {
        checkArgument(count >= 1, "channels must be >= 1 but was %s", count);
        this.count = count;
        this.maxFrameSize = maxFrameSize;
        this.streamId = streamId;
        this.name = name;
        this.segments = new int[count];
    }

    /**
     * Adds the next channel and writes its header (index, count, the shared stream id) at once,
     * so each channel meets the destination's handshake-timeout on its own.
     */
    void add(MigrationChannel channel) throws IOException {
        checkArgument(writers.size() < count, "all %s channels are open", count);
        FrameWriter w = new FrameWriter(channel.output(), maxFrameSize);
        w.writeHeader(StreamHeader.channel(writers.size(), count, streamId));
        if (!writers.isEmpty()) {
            threads.add(new ChannelWriter(w, name + "-channel-" + writers.size()));
        }
        writers.add(w);
    }

    /** Channel 0's writer: the stream's order. */
    FrameWriter control() {
        return writers.get(0);
    }

    int count() {
        return count;
    }

    /**
     * Writes a RAM chunk on the next channel, and returns once it is written and its buffers may
     * be reused.
     */
    void writeRam(int section, ByteBuffer[] parts, int offset, int length) throws IOException {
        int i = nextForRam();
        if (i == 0) {
            control().writeChunk(section, parts, offset, length);
        } else {
            ChannelWriter t = threads.get(i - 1);
            t.submit(w -> w.writeChunk(section, parts, offset, length), () -> {});
            t.awaitWritten();
        }
    }

    /**
     * Writes a RAM chunk on the next channel: at once on channel 0, else queued for the channel's
     * thread. {@code released} runs once the buffers may be reused (written, or dropped after a failure).
     */
    void writeRamLater(int section, ByteBuffer[] parts, int offset, int length, Runnable released) throws IOException {
        int i = nextForRam();
        if (i == 0) {
            try {
                control().writeChunk(section, parts, offset, length);
            } finally {
                released.run();
            }
        } else {
            threads.get(i - 1).submit(w -> w.writeChunk(section, parts, offset, length), released);
        }
    }

    /** The channel the next RAM batch goes to: 0 until pass 0 ended (RAM's layout comes first), then round-robin. */
    private int nextForRam() {
        if (!spreading) {
            return 0;
        }
        int i = next;
        next = (next + 1) % writers.size();
        return i;
    }

    /** Bytes written on every channel, headers included (the other channels' as of their last finished write). */
    long bytesWritten() {
        long sum = writers.isEmpty() ? 0 : control().bytesWritten();
        for (ChannelWriter t : threads) {
            sum += t.bytesWritten();
        }
        return sum;
    }

    /** Ends a pass: PASS on channel 0, a SEGMENT on every other channel. */
    void writePass(Frame.Pass pass) throws IOException {
        endSegment();
        control().writePass(pass);
        spreading = true;
    }

    /** Voids the attempt: the other channels end their segment first, so the destination's barrier holds. */
    void writeVoid() throws IOException {
        endSegment();
        control().writeVoid();
    }

    /**
     * Queues a SEGMENT on every other channel, written by its thread with what that channel wrote in
     * the segment (the destination checks it), then waits until each channel has written all it was given. */
    private void endSegment() throws IOException {
        for (int i = 1; i < writers.size(); i++) {
            int segment = segments[i]++;
            threads.get(i - 1).submit(w -> w.writeSegment(segment), () -> {});
        }
        for (ChannelWriter t : threads) {
            t.awaitWritten();
        }
    }

    /** Stops the writer threads; call once the channels are closed (a write in progress then ends at once). */
    @Override
    public void close() {
        threads.forEach(ChannelWriter::close);
    }
}
