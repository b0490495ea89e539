package io.ferry.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.MigrationChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The source's channels of one migration, each with its frame writer. Channel 0 carries the
 * stream in order (manifest, device sections, PASS, PING, END, COMMIT, VOID); RAM batches are
 * spread over every channel round-robin from pass 1 on. Every other channel ends each segment
 * (a pass, or an attempt voided before its PASS) with a PASS marker of its own numbering, which
 * the destination's barrier waits for (docs/stream-format.md, "Several channels").
 */
final class StreamChannels {
    private final List<FrameWriter> writers = new ArrayList<>();
    private final int[] segments;
    private int next;
    private boolean spreading;

    private final int count;
    private final int maxFrameSize;
    private final long streamId;

    StreamChannels(int count, int maxFrameSize, long streamId) {
        checkArgument(count >= 1, "channels must be >= 1 but was %s", count);
        this.count = count;
        this.maxFrameSize = maxFrameSize;
        this.streamId = streamId;
        this.segments = new int[count];
    }

    /**
     * Adds the next channel and writes its header (index, count, the shared stream id) at once,
     * so each channel meets the destination's handshake-timeout on its own.
     */
    void add(MigrationChannel channel) throws IOException {
        checkArgument(writers.size() < count, "all %s channels are open", count);
        FrameWriter w = new FrameWriter(channel.output(), maxFrameSize);
        w.writeHeader(new StreamHeader(StreamHeader.FORMAT_VERSION, writers.size(), count, streamId));
        writers.add(w);
    }

    /** Channel 0's writer: the stream's order. */
    FrameWriter control() {
        return writers.get(0);
    }

    int count() {
        return count;
    }

    /** Where the next RAM batch goes: channel 0 until pass 0 ended (RAM's layout comes first), then round-robin. */
    FrameWriter nextForRam() {
        if (!spreading) {
            return control();
        }
        FrameWriter w = writers.get(next);
        next = (next + 1) % writers.size();
        return w;
    }

    /** Bytes written on every channel, headers included. */
    long bytesWritten() {
        long sum = 0;
        for (FrameWriter w : writers) {
            sum += w.bytesWritten();
        }
        return sum;
    }

    /** Ends a pass: PASS on channel 0, a segment marker on every other channel. */
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

    private void endSegment() throws IOException {
        for (int i = 1; i < writers.size(); i++) {
            writers.get(i).writePass(new Frame.Pass(segments[i]++));
        }
    }
}
