package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import io.ferry.pipeline.SectionId;
import java.nio.ByteBuffer;
import java.util.List;

/** A decoded frame. One record per {@link FrameType}. */
public sealed interface Frame {
    FrameType type();

    /** The sections of the stream; a chunk names its section by index into this list. */
    record Manifest(List<SectionId> sections) implements Frame {
        public Manifest {
            sections = ImmutableList.copyOf(sections);
            checkArgument(sections.size() < 0xFFFF, "too many sections: %s", sections.size());
        }

        @Override
        public FrameType type() {
            return FrameType.MANIFEST;
        }
    }

    /**
     * A chunk of section {@code section} (an index into the manifest). When read, the payload is a
     * view of the reader's buffer, valid until the next read.
     */
    record Chunk(int section, ByteBuffer payload) implements Frame {
        public Chunk {
            checkArgument(section >= 0 && section < 0xFFFF, "section index out of range: %s", section);
            checkNotNull(payload, "payload");
        }

        @Override
        public FrameType type() {
            return FrameType.CHUNK;
        }
    }

    /** The end of pass {@code pass}. */
    record Pass(int pass) implements Frame {
        public Pass {
            checkArgument(pass >= 0, "pass must be >= 0 but was %s", pass);
        }

        @Override
        public FrameType type() {
            return FrameType.PASS;
        }
    }

    /**
     * The end of segment {@code segment} on one of channels 1.. of a several-channel stream (where
     * channel 0 has a PASS or VOID): the frames and chunk payload bytes the channel carried since
     * its previous SEGMENT (or its header), and their digest (CRC32C over their checksums, in
     * order, as END's). The reader checks all three against what it read.
     */
    record Segment(int segment, StreamTotals totals, int digest) implements Frame {
        public Segment {
            checkArgument(segment >= 0, "segment must be >= 0 but was %s", segment);
            checkNotNull(totals, "totals");
        }

        @Override
        public FrameType type() {
            return FrameType.SEGMENT;
        }
    }

    /**
     * The end of the stream: how many frames came before it (after the header), how many chunk
     * payload bytes they carried, and the stream digest (CRC32C over the checksums of those
     * frames, in order). The reader checks all three against what it read.
     */
    record End(StreamTotals totals, int digest) implements Frame {
        public End {
            checkNotNull(totals, "totals");
        }

        @Override
        public FrameType type() {
            return FrameType.END;
        }
    }

    /** The source has seen the acknowledgement; the destination may run. */
    record Commit() implements Frame {
        @Override
        public FrameType type() {
            return FrameType.COMMIT;
        }
    }

    /**
     * One checkpoint of the destination's switchover: its name and when it was reached, in
     * nanoseconds after the destination read END (the destination's own clock).
     */
    record Mark(String name, long nanos) {
        public Mark {
            checkNotNull(name, "name");
            checkArgument(!name.isEmpty() && name.length() <= 255, "mark name must be 1..255 characters: '%s'", name);
        }
    }

    /**
     * Everything was loaded: frames and chunk bytes as the destination counted them, and the
     * destination's checkpoints from END read to ACK written.
     */
    record Ack(StreamTotals totals, List<Mark> marks) implements Frame {
        public Ack {
            checkNotNull(totals, "totals");
            marks = ImmutableList.copyOf(marks);
            checkArgument(marks.size() < 0xFFFF, "too many marks: %s", marks.size());
        }

        public Ack(StreamTotals totals) {
            this(totals, List.of());
        }

        @Override
        public FrameType type() {
            return FrameType.ACK;
        }
    }

    /** The switchover attempt is void: the source resumed; the destination undoes it and waits for more passes. */
    record Void() implements Frame {
        @Override
        public FrameType type() {
            return FrameType.VOID;
        }
    }

    /** A round-trip probe: {@code stamp} is the source's clock when it was written. */
    record Ping(long stamp) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.PING;
        }
    }

    /**
     * The answer to a {@link Ping}, with its stamp, and how long the destination expects its part of
     * the switchover to take (END read to ACK written), in nanoseconds: declared by its LOAD_COMPLETE
     * handlers or measured in a void attempt, whichever is longer.
     */
    record Pong(long stamp, long destinationNanos) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.PONG;
        }
    }

    /** The destination's checkpoints from COMMIT read to running, after END read like the ACK's. */
    record Report(List<Mark> marks) implements Frame {
        public Report {
            marks = ImmutableList.copyOf(marks);
            checkArgument(marks.size() < 0xFFFF, "too many marks: %s", marks.size());
        }

        @Override
        public FrameType type() {
            return FrameType.REPORT;
        }
    }

    /** The destination can load every section of the MANIFEST: the source may go on (a refusal is an ERROR instead). */
    record Accept() implements Frame {
        @Override
        public FrameType type() {
            return FrameType.ACCEPT;
        }
    }

    /**
     * Where the source answers an in-doubt destination's {@link Ask}: a TCP host (1..255 bytes of
     * UTF-8) and port, secured as the migration's own channels are.
     */
    record Decider(String host, int port) implements Frame {
        public Decider {
            checkNotNull(host, "host");
            checkArgument(
                    !host.isEmpty() && host.length() <= 255, "decider host must be 1..255 characters: '%s'", host);
            checkArgument(port > 0 && port <= 0xFFFF, "decider port must be in [1, 65535] but was %s", port);
        }

        @Override
        public FrameType type() {
            return FrameType.DECIDER;
        }
    }

    /** A destination asks the source for its decision about stream {@code streamId}. */
    record Ask(long streamId) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.ASK;
        }
    }

    /** The source's answer to an {@link Ask}: its decision about stream {@code streamId}, or none yet. */
    record Decision(long streamId, Verdict verdict) implements Frame {
        public Decision {
            checkNotNull(verdict, "verdict");
        }

        @Override
        public FrameType type() {
            return FrameType.DECISION;
        }
    }

    /** A {@link Decision}'s verdict; the codes are part of the wire format. */
    enum Verdict {
        /** The source has not decided yet: ask again later. */
        UNDECIDED(0),
        /** The source committed: it never resumes, the destination runs the machine. */
        COMMITTED(1),
        /** The source turned back and resumed: the destination discards the machine. */
        ABORTED(2);

        private final int code;

        Verdict(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** The destination refused or failed the migration. */
    record Error(String message) implements Frame {
        public Error {
            checkNotNull(message, "message");
        }

        @Override
        public FrameType type() {
            return FrameType.ERROR;
        }
    }
}
