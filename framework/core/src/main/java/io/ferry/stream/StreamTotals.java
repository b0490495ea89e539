package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Optional;

/**
 * What a stream carried up to its END frame: frames after the header (END excluded) and chunk
 * payload bytes. The writer counts what it sent, the reader what it read; END and ACK carry them.
 */
public record StreamTotals(long frames, long chunkBytes) {
    public static final StreamTotals NONE = new StreamTotals(0, 0);

    public StreamTotals {
        checkArgument(
                frames >= 0 && chunkBytes >= 0,
                "stream totals must be >= 0: %s frames, %s chunk bytes",
                frames,
                chunkBytes);
    }

    /** Totals with one more frame of {@code chunkBytes} chunk payload (0 for frames other than CHUNK). */
    StreamTotals plus(long chunkBytes) {
        return new StreamTotals(frames + 1, this.chunkBytes + chunkBytes);
    }

    /** What was counted after {@code start}, an earlier value of these totals. */
    StreamTotals since(StreamTotals start) {
        return new StreamTotals(frames - start.frames, chunkBytes - start.chunkBytes);
    }

    /** Why {@code received} differs from these (the sent totals), or empty if they agree. */
    public Optional<String> mismatch(StreamTotals received) {
        if (equals(received)) {
            return Optional.empty();
        }
        return Optional.of(frames + " frames / " + chunkBytes + " chunk bytes were sent, but " + received.frames + " / "
                + received.chunkBytes + " were received");
    }
}
