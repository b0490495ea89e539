package io.ferry.stream;

import java.util.Optional;

/** The type byte of a frame. Codes are part of the wire format: never renumber them. */
public enum FrameType {
    /** Source to destination: the sections that will travel. Always the first frame. */
    MANIFEST(0x01),
    /** Source to destination: one chunk of a section's state. */
    CHUNK(0x02),
    /** Source to destination: the end of a pass (0 = setup, then one per iteration, then completion). */
    PASS(0x03),
    /** Source to destination: the end of the stream, with totals. */
    END(0x04),
    /** Source to destination: the source has received the acknowledgement; the destination may run. */
    COMMIT(0x05),
    /** Source to destination: this switchover attempt is void; undo it and expect more passes. */
    VOID(0x06),
    /** Source to destination: asks for a PONG, to measure the round trip. */
    PING(0x07),
    /** Source to destination, before END: where the source answers questions about its decision (host and port). */
    DECIDER(0x08),
    /** Source to destination, on a decision connection: the source's decision for a stream id, or none yet. */
    DECISION(0x09),
    /**
     * Source to destination, on channels 1.. of a several-channel stream: the end of a segment, with
     * what the channel carried in it (format version 3).
     */
    SEGMENT(0x0A),
    /** Destination to source: everything loaded; totals as received, and the destination's checkpoints so far. */
    ACK(0x10),
    /** Destination to source: the destination refused or failed; the payload says why. */
    ERROR(0x11),
    /** Destination to source: the answer to a PING, carrying its stamp back. */
    PONG(0x12),
    /** Destination to source: the checkpoints from COMMIT read to the machine running. */
    REPORT(0x13),
    /** Destination to source: the MANIFEST is accepted; the source may send the sections' state. */
    ACCEPT(0x14),
    /** Destination to source, on a decision connection: asks for the source's decision for a stream id. */
    ASK(0x15);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<FrameType> ofCode(int code) {
        for (FrameType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
