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
     * The end of the stream: how many frames came before it (after the header) and how many
     * chunk payload bytes they carried. The reader checks both against what it read.
     */
    record End(StreamTotals totals) implements Frame {
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

    /** Everything was loaded: frames and chunk bytes as the destination counted them. */
    record Ack(StreamTotals totals) implements Frame {
        public Ack {
            checkNotNull(totals, "totals");
        }

        @Override
        public FrameType type() {
            return FrameType.ACK;
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
