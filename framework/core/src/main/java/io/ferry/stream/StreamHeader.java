package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The 28 bytes that open every stream: magic, format version, and which channel of how many
 * this stream is (one today; room for several TCP channels of one migration later, tied
 * together by {@code streamId}).
 */
public record StreamHeader(int formatVersion, int channelIndex, int channelCount, long streamId) {
    /** {@code "FERRYMIG"} in ASCII. */
    public static final long MAGIC = 0x46455252594D4947L;
    /**
     * 2 since PING, PONG, REPORT, VOID and ACCEPT were added (0.1.0 wrote 1 and its reader knows none of
     * them); a reader accepts only its own version.
     */
    public static final int FORMAT_VERSION = 2;

    public static final int SIZE = 28;

    public StreamHeader {
        checkArgument(formatVersion >= 1 && formatVersion <= 0xFFFF, "format version out of range: %s", formatVersion);
        checkArgument(channelCount >= 1 && channelCount <= 0xFFFF, "channel count out of range: %s", channelCount);
        checkArgument(
                channelIndex >= 0 && channelIndex < channelCount,
                "channel index %s outside [0, %s)",
                channelIndex,
                channelCount);
    }

    /** The header of a single-channel stream in the current format. */
    public static StreamHeader singleChannel(long streamId) {
        return new StreamHeader(FORMAT_VERSION, 0, 1, streamId);
    }
}
