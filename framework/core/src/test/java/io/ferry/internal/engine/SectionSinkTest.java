package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Whether a section's sink writes each chunk at once, with no wait first: RAM's sender gathers
 * guest pages into a batch (holding guest RAM's other writers while it is written) only then.
 */
class SectionSinkTest {
    private static final long LIMIT = 100L << 20;

    @Test
    void ramOnOneUnlimitedChannelIsWrittenAtOnce() {
        assertThat(sink(1, true, 0).emitsAtOnce()).isTrue();
    }

    @Test
    void ramOnSeveralChannelsMayBeWrittenLaterByAChannelsThread() {
        assertThat(sink(2, true, 0).emitsAtOnce()).isFalse();
        assertThat(sink(2, false, 0).emitsAtOnce())
                .as("a device section stays on channel 0")
                .isTrue();
    }

    @Test
    void aBandwidthLimitMakesEveryChunkWaitFirst() {
        assertThat(sink(1, true, LIMIT).emitsAtOnce()).isFalse();
        assertThat(sink(1, false, LIMIT).emitsAtOnce()).isFalse();
    }

    private static SectionSink sink(int channels, boolean spread, long bytesPerSecond) {
        return new SectionSink(
                new StreamChannels(channels, 1 << 20, 1, "test"),
                0,
                spread,
                Throttle.of(bytesPerSecond, () -> false),
                new Counters());
    }
}
