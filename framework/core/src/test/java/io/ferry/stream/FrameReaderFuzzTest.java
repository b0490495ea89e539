package io.ferry.stream;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;

/**
 * Any bytes given to the frame reader end in frames or a {@link StreamFormatException}/{@link IOException}:
 * never another exception, a hang, or memory beyond the frame limit. In a normal build this runs the
 * stored inputs (src/test/resources/.../FrameReaderFuzzTestInputs); with JAZZER_FUZZ=1 it fuzzes
 * (docs/fuzzing.md).
 */
class FrameReaderFuzzTest {
    private static final int MAX_FRAME =
            4096; // small, so FrameTooLargeException is reachable and each input allocates little

    @FuzzTest(maxDuration = "10m")
    void readsAnyBytesOrRefusesThemWithATypedError(FuzzedDataProvider data) {
        boolean withHeader = data.consumeBoolean();
        byte[] bytes = data.consumeRemainingAsBytes();
        FrameReader reader = new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)), MAX_FRAME);
        try {
            if (withHeader) {
                reader.readHeader();
            }
            for (int i = 0; i < 10_000; i++) { // every frame consumes at least 12 bytes: bounded anyway
                Frame f = reader.next();
                if (f instanceof Frame.Error e && e.message().codePoints().anyMatch(Character::isISOControl)) {
                    throw new AssertionError("peer text not sanitized: " + e.message());
                }
            }
        } catch (IOException expected) {
            // StreamFormatException (typed) or the end of the input
        }
    }
}
