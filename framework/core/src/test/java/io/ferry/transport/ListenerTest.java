package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.migration.DestinationFailedException;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Migrator;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The waiting destination's port against peers that are not a well-behaved source (plain TCP). */
class ListenerTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final MigrationUri.Tcp ANY_PORT = new MigrationUri.Tcp("127.0.0.1", 0);

    private final Migrator migrator = new Migrator(new PluginRegistry());

    @Test
    void oneGarbagePacketDoesNotStopAWaitingListener() throws Exception {
        try (Machine src = running("src");
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT);
            Migration in = migrator.incoming(dest, endpoint, MigrationParameters.defaults());
            byte[] answer = RawPeer.sendRaw(
                    endpoint.address(),
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n---------".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).as("not a Ferry peer: closed without a word").isEmpty();
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.SETUP);
            assertValidSourceStillCompletes(src, dest, endpoint, in, MigrationParameters.defaults());
        }
    }

    /**
     * A stream header the listener refuses (a format version it does not read, or not for that
     * many channels, or a channel count it does not support) is answered with an ERROR saying why
     * before the connection closes; the source saw only its connection closed. The port waits on.
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("refusedHeaders")
    void aRefusedStreamHeaderIsAnsweredWithAnErrorSayingWhy(StreamHeader header, String why) throws Exception {
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            try (Socket peer = connect(endpoint)) {
                peer.setSoTimeout(20_000);
                writer(peer).writeHeader(header);
                Frame answer = new FrameReader(Channels.newChannel(peer.getInputStream()), 1 << 16).next();
                assertThat(answer)
                        .isInstanceOfSatisfying(
                                Frame.Error.class, e -> assertThat(e.message()).contains("refused the stream", why));
            }
            try (Socket valid = connect(endpoint)) { // the refused peer held no slot: the port admits the next source
                writer(valid).writeHeader(new StreamHeader(2, 0, 1, 8));
                try (MigrationChannel channel = accepted.get(20, TimeUnit.SECONDS)) {
                    assertThat(new FrameReader(channel.input(), 1 << 16)
                                    .readHeader()
                                    .streamId())
                            .isEqualTo(8L);
                }
            }
        }
    }

    static Stream<Arguments> refusedHeaders() {
        return Stream.of(
                Arguments.of(
                        new StreamHeader(1, 0, 1, 7),
                        "format version 1, this reader supports 2 (one channel) and 3 (several channels)"),
                Arguments.of(
                        new StreamHeader(4, 0, 1, 7),
                        "format version 4, this reader supports 2 (one channel) and 3 (several channels)"),
                Arguments.of(new StreamHeader(2, 0, 2, 7), "format version 2 with 2 channels"),
                Arguments.of(new StreamHeader(3, 0, 17, 7), "a stream of 17 channels; this reader supports up to 16"));
    }

    /**
     * A source whose stream header the destination refuses (here one of a format version the
     * destination does not read) fails with the destination's reason, not with a closed connection;
     * the destination waits on for a source it can read.
     */
    @Test
    void aSourceOfAFormatVersionTheDestinationDoesNotReadFailsSayingWhy() throws Exception {
        try (Machine src = running("src");
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT);
            Migration in = migrator.incoming(dest, endpoint, MigrationParameters.defaults());
            try (HeaderRewritingProxy newer = new HeaderRewritingProxy(endpoint.address(), 4)) {
                Migration out = migrator.migrate(src, newer.address(), MigrationParameters.defaults());
                out.await(LIMIT);
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(out.failure().orElseThrow())
                        .isInstanceOf(DestinationFailedException.class)
                        .hasMessageContaining("refused the stream")
                        .hasMessageContaining("format version 4, this reader supports 2 (one channel) and 3");
                assertThat(src.runState()).isEqualTo(RunState.RUNNING);
            }
            assertThat(in.status()).isEqualTo(MigrationStatus.SETUP);
            assertValidSourceStillCompletes(src, dest, endpoint, in, MigrationParameters.defaults());
        }
    }

    /**
     * A several-channel source whose channel 0 is admitted but whose channel 1's header the
     * destination refuses (a middlebox broke it): both sides fail at once naming that refusal. The
     * destination waited out the whole handshake-timeout and then said only that channel 1 "did
     * not arrive"; the source, which reads answers on channel 0 alone, saw its connection closed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCompanionHeaders")
    void aRefusedCompanionChannelFailsBothSidesAtOnceSayingWhy(
            String broken, HeaderRewritingProxy.Rewrite rewrite, boolean indexKnown, String why) throws Exception {
        Duration handshake = Duration.ofSeconds(20);
        MigrationParameters params = MigrationParameters.defaults()
                .withChannels(2)
                .with("handshake-timeout", Long.toString(handshake.toMillis()));
        AtomicLong streamId = new AtomicLong();
        try (Machine src = running("src");
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, params.transport());
            Migration in = migrator.incoming(dest, endpoint, params);
            try (HeaderRewritingProxy proxy = new HeaderRewritingProxy(endpoint.address(), header -> {
                streamId.set(header.getLong(16));
                if (header.getShort(12) != 0) { // channel 1: channel 0 goes through as it is
                    rewrite.rewrite(header);
                }
            })) {
                long start = System.nanoTime();
                Migration out = migrator.migrate(src, proxy.address(), params);
                out.await(LIMIT);
                in.await(LIMIT);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                String refused = (indexKnown ? "channel 1" : "a channel") + " of stream "
                        + Long.toHexString(streamId.get()) + " was refused: ";
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(out.failure().orElseThrow())
                        .isInstanceOf(DestinationFailedException.class)
                        .hasMessageContaining(refused)
                        .hasMessageContaining(why);
                assertThat(src.runState()).isEqualTo(RunState.RUNNING);
                assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(in.failure().orElseThrow())
                        .hasMessageContaining(refused)
                        .hasMessageContaining(why);
                assertThat(took)
                        .as("both failed at once, not at the handshake-timeout")
                        .isLessThan(handshake);
            }
        }
    }

    /**
     * A channel 1 refused before its channel 0 is admitted fails the stream when channel 0 comes,
     * and channel 0 hears why; a refused header of another stream fails nothing.
     */
    @Test
    void aChannelRefusedBeforeItsChannelZeroFailsTheStreamWhenChannelZeroComes() throws Exception {
        long stream = 0x2222;
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            // the single-channel version for a channel of two: refused, with a checksum that holds
            for (long id : new long[] {0x1111, stream}) {
                try (Socket one = connect(endpoint)) {
                    one.setSoTimeout(20_000);
                    writer(one).writeHeader(new StreamHeader(2, 1, 2, id));
                    assertThat(new FrameReader(Channels.newChannel(one.getInputStream()), 1 << 16).next())
                            .as("answered: the refusal was queued before the answer was sent")
                            .isInstanceOf(Frame.Error.class);
                }
            }
            try (Socket zero = connect(endpoint)) {
                zero.setSoTimeout(20_000);
                writer(zero).writeHeader(StreamHeader.channel(0, 2, stream));
                assertThatThrownBy(() -> accepted.get(30, TimeUnit.SECONDS))
                        .hasRootCauseInstanceOf(PeerRefusedException.class)
                        .hasMessageContaining("channel 1 of stream 2222 was refused: ")
                        .hasMessageContaining("format version 2 with 2 channels")
                        .hasMessageNotContaining("1111");
                Frame answer = new FrameReader(Channels.newChannel(zero.getInputStream()), 1 << 16).next();
                assertThat(answer)
                        .isInstanceOfSatisfying(
                                Frame.Error.class,
                                e -> assertThat(e.message())
                                        .contains("refused the stream", "channel 1 of stream 2222 was refused: "));
            }
        }
    }

    static Stream<Arguments> brokenCompanionHeaders() {
        HeaderRewritingProxy.Rewrite badChecksum = h -> h.putInt(24, ~h.getInt(24));
        HeaderRewritingProxy.Rewrite count17 = h -> {
            h.putShort(14, (short) 17);
            HeaderRewritingProxy.resign(h);
        };
        HeaderRewritingProxy.Rewrite version2 = h -> {
            h.putShort(8, (short) 2);
            HeaderRewritingProxy.resign(h);
        };
        return Stream.of(
                Arguments.of("a checksum that does not match", badChecksum, false, "header checksum"),
                Arguments.of("a channel count the reader does not support", count17, true, "a stream of 17 channels"),
                Arguments.of("the single-channel format version", version2, true, "format version 2 with 2 channels"));
    }

    @Test
    void aPeerThatSendsNothingIsDroppedAfterTheHandshakeTimeoutAndTheListenerWaitsOn() throws Exception {
        MigrationParameters params = MigrationParameters.defaults().with("handshake-timeout", "300");
        try (Machine src = running("src");
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, params.transport());
            Migration in = migrator.incoming(dest, endpoint, params);
            try (Socket idle = connect(endpoint)) {
                idle.setSoTimeout(20_000);
                assertThat(idle.getInputStream().read())
                        .as("closed by the listener")
                        .isEqualTo(-1);
            }
            assertThat(in.status()).isEqualTo(MigrationStatus.SETUP);
            assertValidSourceStillCompletes(src, dest, endpoint, in, params);
        }
    }

    @Test
    void aSlowDripPeerIsDroppedAfterTheProgressTimeout() throws Exception {
        MigrationParameters params = MigrationParameters.defaults().with("progress-timeout", "500");
        try (Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, params.transport());
            Migration in = migrator.incoming(dest, endpoint, params);
            try (Socket drip = connect(endpoint)) {
                FrameWriter w = writer(drip);
                w.writeHeader(StreamHeader.singleChannel(1));
                w.writeManifest(new Frame.Manifest(List.of()));
                for (int pass = 0; pass < 40 && !in.status().isTerminal(); pass++) {
                    Thread.sleep(1000); // one valid frame a second: slower than the progress timeout allows
                    try {
                        w.writePass(new Frame.Pass(pass));
                    } catch (IOException e) {
                        break; // dropped
                    }
                }
                in.await(LIMIT);
            }
            assertThat(in.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(in.failure().orElseThrow())
                    .hasMessageContaining("progress-timeout")
                    .hasRootCauseInstanceOf(ProgressTimeoutException.class);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
        }
    }

    @Test
    void aSecondClientOnABusyPortIsRefusedWithAnErrorSayingSo() throws Exception {
        try (Machine src = running("src");
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT);
            Migration in = migrator.incoming(dest, endpoint, MigrationParameters.defaults());
            try (Socket first = connect(endpoint)) {
                FrameWriter w = writer(first);
                w.writeHeader(StreamHeader.singleChannel(1));
                w.writeManifest(new Frame.Manifest(List.of()));
                FrameReader answers = new FrameReader(Channels.newChannel(first.getInputStream()), 1 << 16);
                assertThat(answers.next()).isInstanceOf(Frame.Accept.class); // the destination took the manifest
                // the first source holds the port; a second one must hear why it cannot have it
                Migration second = migrator.migrate(src, endpoint.address(), MigrationParameters.defaults());
                second.await(LIMIT);
                assertThat(second.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(second.failure().orElseThrow())
                        .isInstanceOf(DestinationFailedException.class)
                        .hasMessageContaining("busy");
                assertThat(src.runState()).isEqualTo(RunState.RUNNING);
                try (Socket third = connect(endpoint)) {
                    third.setSoTimeout(20_000);
                    writer(third).writeHeader(StreamHeader.singleChannel(3));
                    Frame answer = new FrameReader(Channels.newChannel(third.getInputStream()), 1 << 16).next();
                    assertThat(answer)
                            .isInstanceOfSatisfying(
                                    Frame.Error.class,
                                    e -> assertThat(e.message()).contains("busy"));
                }
                awaitStatus(in, MigrationStatus.ACTIVE); // the first source is still the one being served
                w.writePass(new Frame.Pass(0));
                w.writeEnd();
                Frame ack = answers.next();
                assertThat(ack).isInstanceOf(Frame.Ack.class);
                w.writeCommit();
                in.await(LIMIT);
                assertThat(in.status()).isEqualTo(MigrationStatus.COMPLETED);
            }
        }
    }

    @Test
    void aSourceWritingToAFrozenPeerFailsAfterTheProgressTimeout() throws Exception {
        TransportOptions options = TransportOptions.defaults().with("progress-timeout", "300");
        try (ServerSocket frozen = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            MigrationUri uri = new MigrationUri.Tcp("127.0.0.1", frozen.getLocalPort());
            try (MigrationChannel out = Transports.connect(uri, options);
                    Socket accepted = frozen.accept()) {
                ByteBuffer data = ByteBuffer.allocateDirect(8 << 20);
                long start = System.nanoTime();
                assertThatThrownBy(() -> {
                            for (int i = 0; i < 64; i++) { // far more than both socket buffers hold
                                out.output().write(new ByteBuffer[] {data.clear()});
                            }
                        })
                        .isInstanceOf(ProgressTimeoutException.class)
                        .hasMessageContaining("progress-timeout");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LIMIT);
                assertThat(accepted.isClosed()).isFalse(); // the peer is frozen, not gone
            }
        }
    }

    /**
     * Channels 1.. of a stream must all be admitted within one handshake-timeout of channel 0's
     * admission. Each was given a full handshake-timeout of its own from when it connected, so a
     * channel that connected late and sent its header slowly was admitted up to twice as late.
     */
    @Test
    void aLateChannelIsRefusedAtTheStreamsDeadlineNotAtItsOwn() throws Exception {
        TransportOptions options = TransportOptions.defaults().with("handshake-timeout", "1000");
        long stream = 0x5EED;
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, options)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            try (Socket zero = connect(endpoint)) {
                writer(zero).writeHeader(StreamHeader.channel(0, 2, stream));
                Thread.sleep(700); // channel 1 connects late...
                try (Socket one = connect(endpoint)) {
                    ByteArrayOutputStream header = new ByteArrayOutputStream();
                    RawPeer.writer(header).writeHeader(StreamHeader.channel(1, 2, stream));
                    byte[] bytes = header.toByteArray();
                    try {
                        for (int at = 0; at < bytes.length; at += 7) { // ...and sends its header over 800 ms
                            Thread.sleep(200);
                            one.getOutputStream().write(bytes, at, Math.min(7, bytes.length - at));
                            one.getOutputStream().flush();
                        }
                    } catch (IOException closedByTheListener) {
                        // refused at the stream's deadline, before its header was whole
                    }
                    assertThatThrownBy(() -> accepted.get(30, TimeUnit.SECONDS))
                            .hasRootCauseInstanceOf(PeerRefusedException.class)
                            .hasMessageContaining("1 of its 2 channels did not arrive within handshake-timeout");
                }
            }
        }
    }

    /** A stream's channel 1 whose admission ends before its channel 0's waits for it; it was refused. */
    @Test
    void aChannelAdmittedBeforeItsChannelZeroWaitsForIt() throws Exception {
        long stream = 0xC0FFEE;
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            try (Socket one = connect(endpoint);
                    Socket zero = connect(endpoint)) {
                writer(one).writeHeader(StreamHeader.channel(1, 2, stream));
                writer(zero).writeHeader(StreamHeader.channel(0, 2, stream));
                MigrationChannel first = accepted.get(30, TimeUnit.SECONDS);
                assertThat(first.companions()).hasSize(1);
                first.close();
            }
        }
    }

    /**
     * Two sources that connect at once are admitted side by side; the one not taken must hear that
     * the port is busy, not see its connection closed without a word.
     */
    @Test
    void ofTwoSourcesAdmittedAtOnceTheOneNotTakenHearsThePortIsBusy() throws Exception {
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT);
                Socket a = connect(endpoint);
                Socket b = connect(endpoint)) {
            writer(a).writeHeader(StreamHeader.singleChannel(0xA));
            writer(b).writeHeader(StreamHeader.singleChannel(0xB));
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            try (MigrationChannel taken = accepted.get(30, TimeUnit.SECONDS)) {
                Socket other = taken.describe().contains(":" + a.getLocalPort()) ? b : a;
                other.setSoTimeout(20_000);
                Frame answer = new FrameReader(Channels.newChannel(other.getInputStream()), 1 << 16).next();
                assertThat(answer)
                        .isInstanceOfSatisfying(
                                Frame.Error.class, e -> assertThat(e.message()).contains("busy"));
            }
        }
    }

    /**
     * Two several-channel sources whose channels 0 both arrive before either stream is whole: the
     * one placed second is refused while the first waits for its channel 1, and must hear that the
     * port is busy, not see its connection closed without a word. Whichever of the two is placed
     * first, the other is the one answered; the first is then admitted with its channel 1.
     */
    @Test
    void aSecondStreamsChannelZeroWhileTheFirstIsAdmittedHearsThePortIsBusy() throws Exception {
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT);
                Socket a = connect(endpoint);
                Socket b = connect(endpoint)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            TwoChannelZeros answer = twoChannelZeros(a, 0xA, b, 0xB);
            assertThat(answer.error().message())
                    .contains("busy admitting another stream")
                    .as("the admitted stream's id, which ties its channels, is not told")
                    .doesNotContainIgnoringCase("stream a")
                    .doesNotContainIgnoringCase("stream b");
            boolean aRefused = answer.aRefused();
            long admitted = aRefused ? 0xB : 0xA;
            try (Socket one = connect(endpoint)) {
                writer(one).writeHeader(StreamHeader.channel(1, 2, admitted));
                try (MigrationChannel first = accepted.get(30, TimeUnit.SECONDS)) {
                    assertThat(new FrameReader(first.input(), 1 << 16)
                                    .readHeader()
                                    .streamId())
                            .isEqualTo(admitted);
                    assertThat(first.companions()).hasSize(1);
                }
            }
        }
    }

    /**
     * A header naming the admitted stream's channel 1, refused after {@code accept()} returned
     * (its admission was in flight then), is answered on its own connection and leaves the stream
     * alone: channel 0 is not answered with an ERROR, and both channels still carry bytes.
     */
    @Test
    void aRefusalAfterTheStreamWasAdmittedLeavesItsChannelsAlone() throws Exception {
        long stream = 0xAF7E;
        TransportOptions options = TransportOptions.defaults().with("handshake-timeout", "60000");
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, options);
                Socket late = connect(endpoint); // admitted before the stream is whole, its header sent after
                Socket zero = connect(endpoint);
                Socket one = connect(endpoint)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            writer(zero).writeHeader(StreamHeader.channel(0, 2, stream));
            writer(one).writeHeader(StreamHeader.channel(1, 2, stream));
            try (MigrationChannel in = accepted.get(30, TimeUnit.SECONDS)) {
                writer(late).writeHeader(new StreamHeader(2, 1, 2, stream)); // refused: version 2 with 2 channels
                assertError(late, "format version 2 with 2 channels");
                FrameReader zeroIn = new FrameReader(in.input(), 1 << 16);
                FrameReader oneIn = new FrameReader(in.companions().get(0).input(), 1 << 16);
                assertThat(zeroIn.readHeader().streamId()).isEqualTo(stream);
                assertThat(oneIn.readHeader().streamId()).isEqualTo(stream);
                writer(zero).writeManifest(new Frame.Manifest(List.of()));
                writer(one).writeVoid();
                assertThat(zeroIn.next()).isInstanceOf(Frame.Manifest.class);
                assertThat(oneIn.next()).isInstanceOf(Frame.Void.class);
                new FrameWriter(in.output(), 1 << 16).writeAccept();
                zero.setSoTimeout(30_000);
                assertThat(new FrameReader(Channels.newChannel(zero.getInputStream()), 1 << 16).next())
                        .as("channel 0 hears its destination, not the refusal")
                        .isInstanceOf(Frame.Accept.class);
            }
        }
    }

    /**
     * A second channel 0 of the stream being admitted (the same stream id) is refused; it was told
     * the port is "busy admitting another stream", which is not so. It is told what is: the stream
     * id it sent is no news to it. The first channel 0 is then admitted with its channel 1.
     */
    @Test
    void aSecondChannelZeroOfTheStreamBeingAdmittedHearsThatNotThatThePortIsBusy() throws Exception {
        long stream = 0x5A5A;
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT);
                Socket a = connect(endpoint);
                Socket b = connect(endpoint)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            TwoChannelZeros answer = twoChannelZeros(a, stream, b, stream);
            assertThat(answer.error().message())
                    .contains("is already admitting channel 0 of this stream")
                    .contains("a second channel 0 is refused")
                    .doesNotContain("another stream");
            Socket kept = answer.aRefused() ? b : a;
            try (Socket one = connect(endpoint)) {
                writer(one).writeHeader(StreamHeader.channel(1, 2, stream));
                try (MigrationChannel first = accepted.get(30, TimeUnit.SECONDS)) {
                    assertThat(first.describe()).contains(":" + kept.getLocalPort());
                    assertThat(first.companions()).hasSize(1);
                }
            }
        }
    }

    /**
     * An answer to a refused peer (an ERROR, then a drain until the peer closes or
     * handshake-timeout) ends when the endpoint closes: it outlived {@code close()} by up to
     * handshake-timeout, its thread holding the socket and its selectors.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("answeredPeers")
    void anAnswerToARefusedPeerEndsWhenTheEndpointCloses(String answer, AnsweredPeer peer) throws Exception {
        Duration handshake = Duration.ofMinutes(2); // far beyond the read timeouts below
        TransportOptions options =
                TransportOptions.defaults().with("handshake-timeout", Long.toString(handshake.toMillis()));
        List<AutoCloseable> open = new ArrayList<>();
        try {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, options);
            open.add(endpoint);
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            Socket answered = peer.answered(endpoint, accepted, open);
            assertThat(answered.isClosed()).as("the answered peer never closes").isFalse();
            long start = System.nanoTime();
            endpoint.close();
            answered.setSoTimeout(10_000);
            assertThat(answered.getInputStream().read())
                    .as("the answer ended with the endpoint, not at handshake-timeout")
                    .isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            String name = "ferry-admit-" + ((MigrationUri.Tcp) endpoint.address()).port();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals(name)) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
            assertThat(Thread.getAllStackTraces().keySet())
                    .as("answer threads alive after the endpoint closed")
                    .noneMatch(t -> t.getName().equals(name) && t.isAlive());
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    /** Makes the endpoint answer a peer that then never closes; returns that peer, its ERROR read. */
    @FunctionalInterface
    interface AnsweredPeer {
        Socket answered(
                IncomingEndpoint endpoint, CompletableFuture<MigrationChannel> accepted, List<AutoCloseable> open)
                throws Exception;
    }

    static Stream<Arguments> answeredPeers() {
        AnsweredPeer refusedHeader = (endpoint, accepted, open) -> {
            Socket peer = opened(endpoint, open);
            writer(peer).writeHeader(new StreamHeader(4, 0, 1, 7));
            assertError(peer, "refused the stream");
            return peer;
        };
        AnsweredPeer channelZeroOfARefusedCompanion = (endpoint, accepted, open) -> {
            Socket zero = opened(endpoint, open);
            writer(zero).writeHeader(StreamHeader.channel(0, 2, 0x2E));
            Socket one = opened(endpoint, open);
            writer(one).writeHeader(new StreamHeader(2, 1, 2, 0x2E));
            assertError(zero, "channel 1 of stream 2e was refused");
            assertThatThrownBy(() -> accepted.get(30, TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(PeerRefusedException.class);
            return zero;
        };
        AnsweredPeer anotherStreamsChannelZero = (endpoint, accepted, open) -> {
            Socket a = opened(endpoint, open);
            Socket b = opened(endpoint, open);
            writer(a).writeHeader(StreamHeader.channel(0, 2, 0xA));
            writer(b).writeHeader(StreamHeader.channel(0, 2, 0xB));
            CompletableFuture<Frame> toA = firstFrame(a);
            CompletableFuture<Frame> toB = firstFrame(b);
            assertThat(CompletableFuture.anyOf(toA, toB).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(Frame.Error.class);
            return toA.isDone() ? a : b;
        };
        AnsweredPeer theSourceNotTaken = (endpoint, accepted, open) -> {
            Socket a = opened(endpoint, open);
            Socket b = opened(endpoint, open);
            writer(a).writeHeader(StreamHeader.singleChannel(0xA));
            writer(b).writeHeader(StreamHeader.singleChannel(0xB));
            MigrationChannel taken = accepted.get(30, TimeUnit.SECONDS);
            open.add(taken);
            Socket other = taken.describe().contains(":" + a.getLocalPort()) ? b : a;
            assertError(other, "busy");
            return other;
        };
        return Stream.of(
                Arguments.of("a refused stream header", refusedHeader),
                Arguments.of("channel 0 of a stream whose channel 1 was refused", channelZeroOfARefusedCompanion),
                Arguments.of("another stream's channel 0 while one is admitted", anotherStreamsChannelZero),
                Arguments.of("the source not taken of two admitted at once", theSourceNotTaken));
    }

    private static Socket opened(IncomingEndpoint endpoint, List<AutoCloseable> open) throws IOException {
        Socket s = connect(endpoint);
        open.add(s);
        return s;
    }

    /** Reads {@code peer}'s first frame (bounded): an ERROR containing {@code text}. */
    private static void assertError(Socket peer, String text) throws IOException {
        peer.setSoTimeout(30_000);
        assertThat(new FrameReader(Channels.newChannel(peer.getInputStream()), 1 << 16).next())
                .isInstanceOfSatisfying(
                        Frame.Error.class, e -> assertThat(e.message()).contains(text));
    }

    /** The ERROR one of two channel 0s got, and whether it was {@code a}'s. */
    private record TwoChannelZeros(Frame.Error error, boolean aRefused) {}

    /**
     * Sends channel 0 headers of two-channel streams {@code idA} on {@code a} and {@code idB} on
     * {@code b}, and waits (bounded) for the first answer, which must be an ERROR.
     */
    private static TwoChannelZeros twoChannelZeros(Socket a, long idA, Socket b, long idB) throws Exception {
        writer(a).writeHeader(StreamHeader.channel(0, 2, idA));
        writer(b).writeHeader(StreamHeader.channel(0, 2, idB));
        CompletableFuture<Frame> toA = firstFrame(a);
        CompletableFuture<Frame> toB = firstFrame(b);
        Frame answer = (Frame) CompletableFuture.anyOf(toA, toB).get(30, TimeUnit.SECONDS);
        assertThat(answer).isInstanceOf(Frame.Error.class);
        return new TwoChannelZeros((Frame.Error) answer, toA.isDone());
    }

    /** The first frame {@code s} receives, read on another thread (bounded by a read timeout). */
    private static CompletableFuture<Frame> firstFrame(Socket s) throws IOException {
        s.setSoTimeout(30_000);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new FrameReader(Channels.newChannel(s.getInputStream()), 1 << 16).next();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * With every admission slot held by a peer that sends nothing, a new connection takes the slot
     * of the one that has waited longest: a source is admitted at once, not after the others'
     * handshake-timeout.
     */
    @Test
    void aSourceIsAdmittedEvenWithEveryAdmissionSlotHeldByIdlePeers() throws Exception {
        TransportOptions options = TransportOptions.defaults().with("handshake-timeout", "60000");
        List<Socket> idle = new ArrayList<>();
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, options)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            for (int i = 0; i < Admissions.MAX_IN_FLIGHT + 4; i++) {
                idle.add(connect(endpoint));
            }
            try (Socket source = connect(endpoint)) {
                writer(source).writeHeader(StreamHeader.singleChannel(0xBEEF));
                try (MigrationChannel first = accepted.get(30, TimeUnit.SECONDS)) {
                    assertThat(first.describe()).isNotEmpty();
                }
            }
            idle.get(0).setSoTimeout(30_000);
            assertThat(idle.get(0).getInputStream().read())
                    .as("the peer that waited longest gave its slot up")
                    .isEqualTo(-1);
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    private void assertValidSourceStillCompletes(
            Machine src, Machine dest, IncomingEndpoint endpoint, Migration in, MigrationParameters params)
            throws Exception {
        Migration out = migrator.migrate(src, endpoint.address(), params);
        out.await(LIMIT);
        in.await(LIMIT);
        assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
    }

    private static void awaitStatus(Migration m, MigrationStatus wanted) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (m.status() != wanted && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        assertThat(m.status()).isEqualTo(wanted);
    }

    private static Machine running(String name) {
        Machine m = Machine.create(name, GuestMemory.of(1 << 20));
        m.start();
        return m;
    }

    private static FrameWriter writer(Socket s) throws IOException {
        return RawPeer.writer(s.getOutputStream());
    }

    private static Socket connect(IncomingEndpoint endpoint) throws IOException {
        return RawPeer.connect(endpoint.address());
    }
}
