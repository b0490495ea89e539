package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A channel's writer thread over real loopback TCP: order, release exactly once, failure, close. */
class ChannelWriterTest {
    private static final int MAX_FRAME = 1 << 20;

    private ServerSocketChannel server;
    private SocketChannel sending;
    private SocketChannel receiving;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        sending = SocketChannel.open(server.getLocalAddress());
        receiving = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        sending.close();
        receiving.close();
        server.close();
    }

    @Test
    void writesInTheOrderHandedOverAndReleasesEachOnceWritten() throws Exception {
        AtomicInteger released = new AtomicInteger();
        try (ChannelWriter writer = new ChannelWriter(new FrameWriter(sending, MAX_FRAME), "test-writer-order")) {
            for (int i = 0; i < 200; i++) {
                ByteBuffer payload = ByteBuffer.allocateDirect(64 << 10);
                payload.putInt(0, i);
                ByteBuffer[] parts = {payload};
                writer.submit(w -> w.writeChunk(7, parts, 0, 1), released::incrementAndGet);
            }
            Frame.Pass marker = new Frame.Pass(0);
            writer.submit(w -> w.writePass(marker), released::incrementAndGet);
            FrameReader reader = new FrameReader(receiving, MAX_FRAME);
            for (int i = 0; i < 200; i++) {
                Frame f = reader.next();
                assertThat(f).isInstanceOf(Frame.Chunk.class);
                assertThat(((Frame.Chunk) f).payload().getInt(0)).isEqualTo(i);
            }
            assertThat(reader.next()).isEqualTo(marker);
            writer.awaitWritten();
            assertThat(released).hasValue(201);
            assertThat(writer.bytesWritten()).isEqualTo(200L * (8 + (64 << 10) + 4) + 8 + 4 + 4);
        }
    }

    @Test
    void aFailedWriteDropsWhatFollowsReleasesEverythingAndEveryLaterCallThrows() throws Exception {
        AtomicInteger released = new AtomicInteger();
        try (ChannelWriter writer = new ChannelWriter(new FrameWriter(sending, MAX_FRAME), "test-writer-fail")) {
            sending.close(); // every write on it fails
            for (int i = 0; i < 5; i++) {
                ByteBuffer[] parts = {ByteBuffer.allocate(1024)};
                try {
                    writer.submit(w -> w.writeChunk(1, parts, 0, 1), released::incrementAndGet);
                } catch (IOException e) {
                    // the first failure may already be known
                }
            }
            assertThatThrownBy(writer::awaitWritten)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("test-writer-fail: an earlier write failed");
            assertThat(released)
                    .as("each handed-over write released once, written or not")
                    .hasValue(5);
            assertThatThrownBy(() -> writer.submit(w -> w.writePass(new Frame.Pass(0)), released::incrementAndGet))
                    .isInstanceOf(IOException.class);
            assertThat(released).hasValue(6);
        }
    }

    @Test
    void closeReleasesWhatIsQueuedAndEndsTheThread() throws Exception {
        AtomicInteger released = new AtomicInteger();
        ChannelWriter writer = new ChannelWriter(new FrameWriter(sending, MAX_FRAME), "test-writer-close");
        // Nothing reads the other end: once the socket buffers are full the thread blocks in a write.
        ByteBuffer big = ByteBuffer.allocateDirect(MAX_FRAME);
        for (int i = 0; i < 64; i++) {
            ByteBuffer[] parts = {big.duplicate()};
            writer.submit(w -> w.writeChunk(1, parts, 0, 1), released::incrementAndGet);
        }
        sending.close(); // as the migration closes its channels before the writers
        writer.close(); // joins the thread (bounded)
        assertThat(released).hasValue(64);
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("test-writer-close"));
        assertThatThrownBy(writer::awaitWritten).isInstanceOf(IOException.class);
    }

    /**
     * An Error in a write (an OutOfMemoryError, a StackOverflowError) is the channel's failure like
     * an IOException: the thread goes on dropping what follows, so waiting for the queue ends. It
     * killed the thread, and the wait for the task queued after it never ended.
     */
    @Test
    void anErrorInAWriteFailsTheChannelInsteadOfKillingItsThread() throws Exception {
        AtomicInteger released = new AtomicInteger();
        try (ChannelWriter writer = new ChannelWriter(new FrameWriter(sending, MAX_FRAME), "test-writer-error")) {
            writer.submit(
                    w -> {
                        throw new StackOverflowError("injected");
                    },
                    released::incrementAndGet);
            try {
                writer.submit(w -> w.writePass(new Frame.Pass(0)), released::incrementAndGet);
            } catch (IOException alreadyFailed) {
                // the first write failed before this one was handed over: submit released it itself
            }
            CompletableFuture<Void> waited = CompletableFuture.runAsync(() -> {
                try {
                    writer.awaitWritten();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> waited.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasRootCauseInstanceOf(StackOverflowError.class)
                    .hasMessageContaining("injected");
            assertThat(released).hasValue(2);
        }
    }
}
