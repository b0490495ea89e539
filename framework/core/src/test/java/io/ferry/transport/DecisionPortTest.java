package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The source's decision port against a peer that is not a well-behaved in-doubt destination. */
class DecisionPortTest {
    /**
     * The port answers one question at a time, so a peer that drips its question a byte at a time
     * (each byte within progress-timeout) held it, and a destination in doubt got no answer. A
     * question's reads now end one handshake-timeout after the peer connected.
     */
    @Test
    void aPeerDrippingItsQuestionIsDroppedAfterTheHandshakeTimeout() throws Exception {
        TransportOptions options =
                TransportOptions.defaults().with("handshake-timeout", "300").with("progress-timeout", "5000");
        try (DecisionPort port = DecisionPort.open(new MigrationUri.Tcp("127.0.0.1", 0), options)) {
            CompletableFuture<Frame> question = CompletableFuture.supplyAsync(() -> {
                try (MigrationChannel c = port.accept()) {
                    return new FrameReader(c.input(), 64 << 10).next();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream ask = new ByteArrayOutputStream();
            RawPeer.writer(ask).writeAsk(new Frame.Ask(0x5EED));
            byte[] bytes = ask.toByteArray();
            try (Socket drip = RawPeer.connect(port.address())) {
                for (byte b : bytes) { // a byte every 150 ms: about 3 s for the question
                    if (question.isDone()) {
                        break;
                    }
                    Thread.sleep(150);
                    drip.getOutputStream().write(b);
                    drip.getOutputStream().flush();
                }
            } catch (IOException closedByThePort) {
                // dropped while dripping
            }

            assertThatThrownBy(() -> question.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("handshake-timeout");
            assertThat(port.isOpen()).isTrue();
        }
    }
}
