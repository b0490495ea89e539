package io.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class FrameWriterTest {
    /** Takes the first {@code accepted} bytes, then fails every write, as a socket whose write timed out. */
    private static final class FailingAfter extends OutputStream {
        final ByteArrayOutputStream taken = new ByteArrayOutputStream();
        private final int accepted;

        FailingAfter(int accepted) {
            this.accepted = accepted;
        }

        @Override
        public void write(int b) throws IOException {
            if (taken.size() >= accepted) {
                throw new IOException("write timed out");
            }
            taken.write(b);
        }
    }

    @Test
    void afterAWriteFailsInsideAFrameNothingMoreIsWrittenSoTheErrorCannotArriveCorrupted() throws IOException {
        FailingAfter out = new FailingAfter(5); // inside the PING frame's 8-byte header
        FrameWriter writer = new FrameWriter(new StreamSink(out), 64 << 10);

        assertThatThrownBy(() -> writer.writePing(new Frame.Ping(1)))
                .isInstanceOf(IOException.class)
                .hasMessage("write timed out");
        int before = out.taken.size();

        assertThatThrownBy(() -> writer.writeError(new Frame.Error("the destination failed")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("an earlier write failed inside a frame")
                .hasRootCauseMessage("write timed out");
        assertThat(out.taken.size()).isEqualTo(before);
    }

    @Test
    void framesWrittenWholeLeaveTheWriterUsable() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(new StreamSink(out), 64 << 10);

        writer.writePing(new Frame.Ping(1));
        writer.writeError(new Frame.Error("the destination failed"));

        assertThat(out.size()).isGreaterThan(2 * (FrameWriter.FRAME_HEADER + FrameWriter.FRAME_TRAILER));
    }
}
