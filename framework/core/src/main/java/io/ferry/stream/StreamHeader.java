package io.ferry.stream;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The 28 bytes that open every stream: magic, format version, and which channel of how many
 * this stream is (several TCP channels of one migration are tied together by {@code streamId}).
 */
public record StreamHeader(int formatVersion, int channelIndex, int channelCount, long streamId) {
    /** {@code "FERRYMIG"} in ASCII. */
    public static final long MAGIC = 0x46455252594D4947L;
    /**
     * The version of a single-channel stream: 2 since PING, PONG, REPORT, VOID and ACCEPT were added
     * (0.1.0 wrote 1 and its reader knows none of them). Version 3 changed only channels 1.., so a
     * single-channel stream stays byte for byte what version 2 was. A reader accepts only the
     * version for the channel count ({@link #formatVersion(int)}).
     */
    public static final int FORMAT_VERSION = 2;
    /**
     * The version of a several-channel stream: 3 since channels 1.. end each segment with SEGMENT,
     * which carries what the channel sent in it.
     */
    public static final int SEVERAL_CHANNELS_VERSION = 3;

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

    /** The format version of a stream of {@code channelCount} channels. */
    public static int formatVersion(int channelCount) {
        return channelCount == 1 ? FORMAT_VERSION : SEVERAL_CHANNELS_VERSION;
    }

    /** The header of channel {@code channelIndex} of {@code channelCount} in the current format. */
    public static StreamHeader channel(int channelIndex, int channelCount, long streamId) {
        return new StreamHeader(formatVersion(channelCount), channelIndex, channelCount, streamId);
    }

    /** The header of a single-channel stream in the current format. */
    public static StreamHeader singleChannel(long streamId) {
        return channel(0, 1, streamId);
    }
}
