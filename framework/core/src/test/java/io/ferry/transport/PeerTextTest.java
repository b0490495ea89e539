package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import org.junit.jupiter.api.Test;

/** An ERROR from the peer reaches an operator's terminal: it must not be able to drive it. */
class PeerTextTest {

    @Test
    void anErrorsEscapesNewlinesAndLengthAreDefusedWhenRead() throws IOException {
        String hostile = "\u001b[2J\u001b[31mall good\u001b[0m\r\nferry> cont\u0007\u202e" + "x".repeat(3 << 20);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RawPeer.writer(bytes).writeError(new Frame.Error(hostile));

        Frame f = new FrameReader(Channels.newChannel(new java.io.ByteArrayInputStream(bytes.toByteArray())), 4 << 20)
                .next();

        String shown = ((Frame.Error) f).message();
        assertThat(shown).startsWith("?[2J?[31mall good?[0m??ferry> cont??x");
        assertThat(shown.codePoints()).noneMatch(Character::isISOControl);
        assertThat(shown.length()).isLessThan(FrameReader.MAX_PEER_TEXT + 64);
        assertThat(shown).endsWith("more characters cut)");
    }
}
