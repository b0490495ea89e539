package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.base.Ticker;
import io.ferry.pipeline.SectionId;
import io.ferry.stream.ChecksumMismatchException;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.MalformedFrameException;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.InMemoryTransport;
import io.ferry.transport.MigrationChannel;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameReceiverTest {
    private static final int MAX_FRAME = 64 << 10;
    private static final long STREAM = 0x5EED;

    private static FrameWriter writer(InMemoryTransport pipes, int index, int count) throws Exception {
        FrameWriter w = new FrameWriter(pipes.sourceEnd().output(), MAX_FRAME);
        w.writeHeader(StreamHeader.channel(index, count, STREAM));
        return w;
    }

    private static void chunk(FrameWriter w, String content) throws Exception {
        w.writeChunk(0, new ByteBuffer[] {ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8))}, 0, 1);
    }

    private static FrameReceiver receiver(List<InMemoryTransport> pipes) throws Exception {
        return receiver(pipes, true);
    }

    private static FrameReceiver receiver(List<InMemoryTransport> pipes, boolean readAhead) throws Exception {
        return receiver(pipes, readAhead, MAX_FRAME);
    }

    private static FrameReceiver receiver(List<InMemoryTransport> pipes, boolean readAhead, int maxFrame)
            throws Exception {
        return receiver(pipes, readAhead, maxFrame, Ticker.systemTicker());
    }

    private static FrameReceiver receiver(List<InMemoryTransport> pipes, boolean readAhead, int maxFrame, Ticker ticker)
            throws Exception {
        List<MigrationChannel> channels = new ArrayList<>();
        List<FrameReader> readers = new ArrayList<>();
        for (InMemoryTransport p : pipes) {
            FrameReader r = new FrameReader(p.destinationEnd().input(), maxFrame);
            r.readHeader();
            channels.add(p.destinationEnd());
            readers.add(r);
        }
        return receiver(channels, readers, readAhead, ticker);
    }

    private static FrameReceiver receiver(
            List<MigrationChannel> channels, List<FrameReader> readers, boolean readAhead, Ticker ticker) {
        return new FrameReceiver(channels, readers, readAhead, "test", () -> {}, ticker);
    }

    /** A receiver of two channels read ahead, with its own clock. */
    private static FrameReceiver receiver(InMemoryTransport zero, InMemoryTransport one, Ticker ticker)
            throws Exception {
        return receiver(List.of(zero, one), true, MAX_FRAME, ticker);
    }

    private record Writers(FrameWriter zero, FrameWriter one) {}

    /** Channel 0 with MANIFEST and PASS 0 written, channel 1 with SEGMENT 0. */
    private static Writers bothEndedPassZero(InMemoryTransport zero, InMemoryTransport one) throws Exception {
        FrameWriter w0 = writer(zero, 0, 2);
        FrameWriter w1 = writer(one, 1, 2);
        w0.writeManifest(new Frame.Manifest(List.of(new SectionId("ram", 0, 1))));
        w1.writeSegment(0);
        w0.writePass(new Frame.Pass(0));
        return new Writers(w0, w1);
    }

    /** As {@link #bothEndedPassZero}, then a chunk of {@code content} on channel 1. */
    private static Writers passZeroThenAChunkOnChannelOne(InMemoryTransport zero, InMemoryTransport one, String content)
            throws Exception {
        Writers w = bothEndedPassZero(zero, one);
        chunk(w.one(), content);
        return w;
    }

    /** Channel 0 with MANIFEST and PASS 0 written, channel 1 with its header only. */
    private static void channelZeroAtPassZero(InMemoryTransport zero, InMemoryTransport one) throws Exception {
        FrameWriter w0 = writer(zero, 0, 2);
        writer(one, 1, 2);
        w0.writeManifest(new Frame.Manifest(List.of(new SectionId("ram", 0, 1))));
        w0.writePass(new Frame.Pass(0));
    }

    /** The receiver's next frame, described, asked for on another thread. */
    private static CompletableFuture<String> nextAsync(FrameReceiver receiver) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return describe(receiver.next());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** What the receiver hands on: frame types, and chunk contents. */
    private static String describe(FrameReceiver.Received r) {
        if (r.frame() instanceof Frame.Chunk c) {
            return "chunk " + StandardCharsets.UTF_8.decode(c.payload().duplicate());
        }
        return r.frame().type() + "@" + r.channel();
    }

    @Test
    void aChunkOfTheNextPassWaitsUntilEveryChannelEndedThePassBefore() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        FrameWriter w0 = writer(zero, 0, 2);
        FrameWriter w1 = writer(one, 1, 2);
        // Channel 0 has pass 1 ended and pass 2's copy of the page already; channel 1 has sent nothing yet.
        w0.writeManifest(new Frame.Manifest(List.of(new SectionId("ram", 0, 1))));
        w0.writePass(new Frame.Pass(0));
        w0.writePass(new Frame.Pass(1));
        chunk(w0, "page 7, pass 2 copy");
        w0.writePass(new Frame.Pass(2));
        try (FrameReceiver receiver = receiver(List.of(zero, one))) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            CompletableFuture<String> blocked = nextAsync(receiver);
            assertThatThrownBy(() -> blocked.get(300, TimeUnit.MILLISECONDS))
                    .as("channel 0's PASS 0 waits for channel 1 to end pass 0")
                    .isInstanceOf(TimeoutException.class);
            // Now channel 1 sends pass 1's copy of the same page: it must be applied before pass 2's.
            w1.writeSegment(0);
            chunk(w1, "page 7, pass 1 copy");
            w1.writeSegment(1);
            w1.writeSegment(2);
            List<String> order = new ArrayList<>();
            order.add(blocked.get(30, TimeUnit.SECONDS));
            for (int i = 0; i < 4; i++) {
                order.add(describe(receiver.next()));
            }
            assertThat(order)
                    .containsExactly(
                            "PASS@0", "chunk page 7, pass 1 copy", "PASS@0", "chunk page 7, pass 2 copy", "PASS@0");
        }
    }

    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void aCorruptFrameIsNeverHandedOn(boolean readAhead) throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        FrameWriter w0 = writer(zero, 0, 1);
        w0.writeManifest(new Frame.Manifest(List.of(new SectionId("ram", 0, 1))));
        // A CHUNK frame whose checksum does not match: header, payload, wrong CRC.
        ByteBuffer bad = ByteBuffer.allocate(FrameWriter.FRAME_HEADER + 4 + FrameWriter.FRAME_TRAILER);
        bad.put((byte) 0x02)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(4)
                .putInt(0xCAFE)
                .putInt(0xBAD);
        zero.sourceEnd().output().write(bad.flip());
        try (FrameReceiver receiver = receiver(List.of(zero), readAhead)) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            assertThatThrownBy(receiver::next).isInstanceOf(ChecksumMismatchException.class);
        }
    }

    /**
     * Every migration makes its receiver, and a several-channel one reads ahead into 4 buffers per
     * channel: sized at the 4 MiB maximum frame they cost 32 MiB of fresh direct memory, zeroed
     * before the first byte was read (about 61 ms of the destination thread per two-channel migration).
     * Sized to the frames actually read, they cost what those need.
     */
    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void buffersHoldWhatTheFramesNeedNotTheMaximumFrameSize(boolean readAhead) throws Exception {
        int maxFrame = 4 << 20;
        int channelCount = readAhead ? 2 : 1;
        List<InMemoryTransport> pipes = new ArrayList<>();
        List<FrameWriter> writers = new ArrayList<>();
        for (int i = 0; i < channelCount; i++) {
            pipes.add(InMemoryTransport.open());
            FrameWriter w = new FrameWriter(pipes.get(i).sourceEnd().output(), maxFrame);
            w.writeHeader(StreamHeader.channel(i, channelCount, STREAM));
            writers.add(w);
        }
        writers.get(0).writeManifest(new Frame.Manifest(List.of(new SectionId("ram", 0, 1))));
        writers.get(0).writePass(new Frame.Pass(0));
        for (FrameWriter w : writers.subList(1, channelCount)) {
            w.writeSegment(0);
        }
        String page = "p".repeat(5_000); // 8 of them fit a pipe's 64 KiB: written before anything reads
        for (int i = 0; i < 8; i++) {
            chunk(writers.get(i % channelCount), page);
        }
        try (FrameReceiver receiver = receiver(pipes, readAhead, maxFrame)) {
            List<String> chunks = new ArrayList<>();
            while (chunks.size() < 8) {
                String d = describe(receiver.next());
                if (d.startsWith("chunk ")) {
                    chunks.add(d);
                }
            }
            assertThat(chunks).allMatch(c -> c.equals("chunk " + page));
            long perBuffer = 64 << 10; // a 5 KB frame needs one 64 KiB granule
            assertThat(receiver.bytesAllocated())
                    .as("direct memory the receiver allocated for frame bodies")
                    .isPositive()
                    .isLessThanOrEqualTo(channelCount * (readAhead ? 4 : 1) * perBuffer);
        }
    }

    @Test
    void aLostChannelFailsTheReceiver() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        channelZeroAtPassZero(zero, one);
        try (FrameReceiver receiver = receiver(List.of(zero, one))) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            one.sourceEnd().close(); // channel 1 ends before it ended pass 0
            assertThatThrownBy(receiver::next).hasMessageContaining("stream ended");
        }
    }

    /**
     * A source that gives up writes ERROR on channel 0 and then closes every channel: the other
     * channels' end must not hide the reason (after the ACK it would put the destination in doubt
     * about a migration the source aborted), whether channel 0's ERROR was read before the
     * receiver is asked for its next frame or arrives just after.
     */
    @ParameterizedTest(name = "ERROR read first: {0}")
    @ValueSource(booleans = {true, false})
    void theSourcesErrorOnChannelZeroWinsOverTheEndOfAnotherChannel(boolean errorReadFirst) throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        Writers w = bothEndedPassZero(zero, one);
        FrameWriter w0 = w.zero();
        try (FrameReceiver receiver = receiver(List.of(zero, one))) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            assertThat(describe(receiver.next())).isEqualTo("PASS@0"); // channel 1 is looked at first next
            one.sourceEnd().close();
            CompletableFuture<String> next = null;
            if (!errorReadFirst) {
                next = nextAsync(receiver);
            }
            w0.writeError(new Frame.Error("the source failed: a handler threw"));
            if (errorReadFirst) {
                long written = w0.bytesWritten() + w.one().bytesWritten();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (receiver.bytesRead() != written && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(receiver.bytesRead()).as("channel 0's ERROR read").isEqualTo(written);
                next = nextAsync(receiver);
            }

            assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo("ERROR@0");
        }
    }

    /**
     * The wait for channel 0 is timed from when channel 0 last spoke: a second that passed before
     * channel 0's last frame does not count against the next wait. It was timed from the first
     * wait only, so a later ERROR or COMMIT lost to another channel's end at once.
     */
    @Test
    void theWaitForChannelZeroStartsAfreshEachTimeChannelZeroSpeaks() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        Writers w = bothEndedPassZero(zero, one);
        FrameWriter w0 = w.zero();
        StepTicker ticker = new StepTicker(Duration.ZERO);
        try (FrameReceiver receiver = receiver(zero, one, ticker)) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            assertThat(describe(receiver.next())).isEqualTo("PASS@0");
            one.sourceEnd().close();
            CompletableFuture<String> chunk = nextAsync(receiver);
            ticker.awaitReads(1); // channel 1's end waits for channel 0, which has nothing yet
            chunk(w0, "page 3");
            assertThat(chunk.get(30, TimeUnit.SECONDS)).isEqualTo("chunk page 3");

            ticker.advance(Duration.ofSeconds(5));
            int reads = ticker.reads();
            CompletableFuture<String> next = nextAsync(receiver);
            ticker.awaitReads(reads + 1);
            w0.writeError(new Frame.Error("the source failed: a handler threw"));

            assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo("ERROR@0");
        }
    }

    /**
     * The source writes END right after its last PASS: a chunk on another channel after that
     * channel's last SEGMENT belongs to a segment no SEGMENT will ever check, so END refuses it.
     */
    @Test
    void aChunkAfterAChannelsLastSegmentFailsTheStreamAtEnd() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        Writers w = passZeroThenAChunkOnChannelOne(zero, one, "an older copy, added after SEGMENT 0");
        try (FrameReceiver receiver = receiver(List.of(zero, one))) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            assertThat(describe(receiver.next())).isEqualTo("PASS@0");
            assertThat(describe(receiver.next())).isEqualTo("chunk an older copy, added after SEGMENT 0");
            w.zero().writeEnd();

            assertThatThrownBy(receiver::next)
                    .isInstanceOf(MalformedFrameException.class)
                    .hasMessageContaining("END, and channel 1 carried 1 RAM chunk(s) after its last SEGMENT");
        }
    }

    @Test
    void endIsHandedOnWhenEveryChannelEndedItsLastSegment() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        Writers w = passZeroThenAChunkOnChannelOne(zero, one, "pass 1's page");
        w.one().writeSegment(1);
        w.zero().writePass(new Frame.Pass(1));
        w.zero().writeEnd();
        try (FrameReceiver receiver = receiver(List.of(zero, one))) {
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                order.add(describe(receiver.next()));
            }
            assertThat(order).containsExactly("MANIFEST@0", "PASS@0", "chunk pass 1's page", "PASS@0", "END@0");
        }
    }

    /**
     * Between END and what follows it only channel 0 has more to say (COMMIT, VOID or ERROR), so
     * another channel's end waits for it however long the source takes to decide.
     */
    @Test
    void afterEndAnotherChannelsEndWaitsForChannelZerosDecision() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        Writers w = bothEndedPassZero(zero, one);
        FrameWriter w0 = w.zero();
        w0.writeEnd();
        StepTicker ticker = new StepTicker(Duration.ofSeconds(2)); // each look at the clock: 2 s later
        try (FrameReceiver receiver = receiver(zero, one, ticker)) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            assertThat(describe(receiver.next())).isEqualTo("PASS@0");
            assertThat(describe(receiver.next())).isEqualTo("END@0");
            receiver.readOnAfterEnd(); // the ACK is written
            one.sourceEnd().close();
            CompletableFuture<String> next = nextAsync(receiver);
            assertThatThrownBy(() -> next.get(300, TimeUnit.MILLISECONDS))
                    .as("still waiting for channel 0")
                    .isInstanceOf(TimeoutException.class);
            w0.writeCommit();

            assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo("COMMIT@0");
        }
    }

    /** A clock that moves when told, and by {@code step} each time it is read; it counts its reads. */
    private static final class StepTicker extends Ticker {
        private final long step;
        private final AtomicLong nanos = new AtomicLong();
        private final AtomicInteger reads = new AtomicInteger();

        StepTicker(Duration step) {
            this.step = step.toNanos();
        }

        @Override
        public long read() {
            reads.incrementAndGet();
            return nanos.getAndAdd(step);
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }

        int reads() {
            return reads.get();
        }

        void awaitReads(int count) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reads.get() < count && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(reads.get()).as("reads of the clock").isGreaterThanOrEqualTo(count);
        }
    }

    /**
     * A reader thread that meets an Error (direct memory exhausted while a frame buffer grows) fails
     * the receiver like a read failure. It died silently, and the barrier waited for that channel
     * until the inactivity watchdog blamed the source.
     */
    @Test
    void anErrorOnAReaderThreadFailsTheReceiver() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        channelZeroAtPassZero(zero, one);
        FrameReader first = new FrameReader(zero.destinationEnd().input(), MAX_FRAME);
        first.readHeader();
        FrameReader failing = new FrameReader(
                new ReadableByteChannel() {
                    @Override
                    public int read(ByteBuffer dst) {
                        throw new OutOfMemoryError("injected: cannot reserve direct buffer memory");
                    }

                    @Override
                    public boolean isOpen() {
                        return true;
                    }

                    @Override
                    public void close() {}
                },
                MAX_FRAME);
        try (FrameReceiver receiver = receiver(
                List.of(zero.destinationEnd(), one.destinationEnd()),
                List.of(first, failing),
                true,
                Ticker.systemTicker())) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            CompletableFuture<String> next = nextAsync(receiver);
            assertThatThrownBy(() -> next.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("channel 1")
                    .hasMessageContaining("injected: cannot reserve direct buffer memory");
        }
    }

    @Test
    void oneChannelIsReadAheadOnlyOnHostsWithCoresToSpare() {
        assertThat(FrameReceiver.readsAhead(1, 2)).isFalse();
        assertThat(FrameReceiver.readsAhead(1, FrameReceiver.READ_AHEAD_PROCESSORS))
                .isTrue();
        assertThat(FrameReceiver.readsAhead(2, 2))
                .as("several channels are read in parallel")
                .isTrue();
    }

    @Test
    void severalChannelsCannotBeReadInPlace() throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        InMemoryTransport one = InMemoryTransport.open();
        writer(zero, 0, 2);
        writer(one, 1, 2);
        assertThatThrownBy(() -> receiver(List.of(zero, one), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 channels must be read ahead");
    }

    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void readingInPlaceReadsOnlyWhenAskedWhileReadingAheadReadsOn(boolean readAhead) throws Exception {
        InMemoryTransport zero = InMemoryTransport.open();
        FrameWriter w0 = writer(zero, 0, 1);
        w0.writeManifest(new Frame.Manifest(List.of(new SectionId("ram", 0, 1))));
        long manifestEnd = w0.bytesWritten(); // the stream header included
        w0.writePass(new Frame.Pass(0));
        chunk(w0, "page 1");
        long written = w0.bytesWritten();
        try (FrameReceiver receiver = receiver(List.of(zero), readAhead)) {
            assertThat(describe(receiver.next())).isEqualTo("MANIFEST@0");
            if (readAhead) {
                long deadline = System.nanoTime()
                        + Duration.ofSeconds(30).toNanos(); // the testkit's Await is not on core's path
                while (receiver.bytesRead() != written && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(receiver.bytesRead()).as("the reader read on").isEqualTo(written);
            } else {
                assertThat(receiver.bytesRead()).isEqualTo(manifestEnd);
            }
            assertThat(describe(receiver.next())).isEqualTo("PASS@0");
            assertThat(describe(receiver.next())).isEqualTo("chunk page 1");
            assertThat(receiver.bytesRead()).isEqualTo(written);
        }
    }
}
