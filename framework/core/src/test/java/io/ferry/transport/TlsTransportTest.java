package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS 1.3 with mutual authentication on the migration port, against real peers on loopback. */
class TlsTransportTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final MigrationUri.Tcp ANY_PORT = new MigrationUri.Tcp("127.0.0.1", 0);

    @TempDir
    static Path dir;

    static TlsFixture tls;

    private final Migrator migrator = new Migrator(new PluginRegistry());

    @BeforeAll
    static void credentials() throws IOException {
        tls = TlsFixture.create(dir);
    }

    @Test
    void mutuallyAuthenticatedMigrationCompletesOverTls13() throws Exception {
        try (Machine src = Machine.create("src", GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            src.start();
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, tls.destinationOptions());
            Migration in = migrator.incoming(dest, endpoint, params(tls.destinationOptions()));
            Migration out = migrator.migrate(src, endpoint.address(), params(tls.sourceOptions()));
            out.await(LIMIT);
            in.await(LIMIT);
            assertThat(out.status()).as("%s", out.failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void bothEndsSeeTls13AndTheOthersAuthenticatedSubject() throws Exception {
        connected((out, in) -> {
            assertThat(in.describe()).contains("TLSv1.3").contains("peer " + TlsFixture.SOURCE);
            assertThat(out.describe()).contains("TLSv1.3").contains("peer " + TlsFixture.DESTINATION);
            // a payload larger than one TLS record and the application buffer, both ways
            ByteBuffer big = ByteBuffer.allocateDirect(3 << 20);
            for (int i = 0; i < big.capacity(); i++) {
                big.put(i, (byte) (i * 31));
            }
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> writeQuietly(out, big));
            ByteBuffer got = ByteBuffer.allocateDirect(StreamHeader.SIZE + big.capacity());
            while (got.hasRemaining()) {
                assertThat(in.input().read(got)).isNotNegative();
            }
            write.get(30, TimeUnit.SECONDS);
            assertThat(got.flip().position(StreamHeader.SIZE)).isEqualTo(big.rewind());
        });
    }

    @Test
    void onlyAesGcmSuitesAreOfferedAndAes128GcmIsNegotiated() throws Exception {
        // ChaCha20-Poly1305 has no intrinsic on JDK 17: about 15 times slower than AES-GCM here, so it is never offered
        for (boolean client : new boolean[] {true, false}) {
            assertThat(TlsContext.load(tls.source(), java.util.List.of())
                            .engine(client)
                            .getEnabledCipherSuites())
                    .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
        }
        connected((out, in) -> {
            assertThat(in.describe()).startsWith("TLSv1.3 TLS_AES_128_GCM_SHA256 ");
            assertThat(out.describe()).startsWith("TLSv1.3 TLS_AES_128_GCM_SHA256 ");
        });
    }

    @Test
    void aGatherOfManySmallAndEmptyBuffersArrivesIntactThroughReadsOfEverySize() throws Exception {
        connected((out, in) -> {
            // as a RAM batch: a small header, pages of guest memory, a trailer; with empty and odd-sized
            // buffers so that records start and end inside buffers and across empty ones
            ByteBuffer memory = ByteBuffer.allocateDirect(2 << 20);
            for (int i = 0; i < memory.capacity(); i++) {
                memory.put(i, (byte) (i * 7 + (i >>> 12)));
            }
            java.util.List<ByteBuffer> gather = new java.util.ArrayList<>();
            int[] sizes = {8, 0, 4096, 4096, 1, 0, 0, 20_000, 4096, 3, 16_384, 16_385, 0};
            int at = 0;
            for (int round = 0; at < memory.capacity(); round++) {
                int size = Math.min(sizes[round % sizes.length], memory.capacity() - at);
                gather.add(memory.slice(at, size));
                at += size;
            }
            ByteBuffer[] srcs = gather.toArray(ByteBuffer[]::new);
            CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> writeQuietly(out, srcs));
            ByteBuffer got = ByteBuffer.allocateDirect(StreamHeader.SIZE + memory.capacity());
            int[] reads = {8, 1, 100_000, 13, 4096, 16_500, 16_390, 1 << 20};
            for (int i = 0; got.hasRemaining(); i++) {
                ByteBuffer window = got.slice(got.position(), Math.min(reads[i % reads.length], got.remaining()));
                int n = in.input().read(window);
                assertThat(n).isNotNegative();
                got.position(got.position() + n);
            }
            assertThat(write.get(30, TimeUnit.SECONDS)).isEqualTo(memory.capacity());
            assertThat(got.flip().position(StreamHeader.SIZE)).isEqualTo(memory.rewind());
        });
    }

    @Test
    void aPeerWithoutAnAuthorizedCertificateIsRefusedAndTheListenerWaitsOn() throws Exception {
        try (Machine src = Machine.create("src", GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            src.start();
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, tls.destinationOptions());
            Migration in = migrator.incoming(dest, endpoint, params(tls.destinationOptions()));
            // signed by the right CA, but not on the destination's tls-authz list
            Migration intruder = migrator.migrate(
                    src, endpoint.address(), params(TlsFixture.options(tls.intruder(), TlsFixture.DESTINATION)));
            intruder.await(LIMIT);
            assertThat(intruder.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(src.runState()).isEqualTo(RunState.RUNNING);
            assertThat(in.status()).as("still waiting for a valid peer").isEqualTo(MigrationStatus.SETUP);
            assertThat(in.figures().transferredBytes()).isZero();
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);

            Migration out = migrator.migrate(src, endpoint.address(), params(tls.sourceOptions()));
            out.await(LIMIT);
            in.await(LIMIT);
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
        }
    }

    /**
     * Peers that connect and send nothing, with no credentials, held the listener one at a time for
     * a handshake-timeout each, while the real source's own handshake timed out in the backlog.
     * Connections are admitted in parallel now.
     */
    @Test
    void peersThatConnectAndSendNothingDoNotKeepTheSourceWaiting() throws Exception {
        TransportOptions destination = tls.destinationOptions().with("handshake-timeout", "1500");
        TransportOptions source = tls.sourceOptions().with("handshake-timeout", "1500");
        List<Socket> idle = new ArrayList<>();
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, destination)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            for (int i = 0; i < 3; i++) {
                idle.add(RawPeer.connect(endpoint.address()));
            }
            try (MigrationChannel out = Transports.connect(endpoint.address(), source)) {
                new FrameWriter(out.output(), 1 << 20).writeHeader(StreamHeader.singleChannel(7));
                try (MigrationChannel in = accepted.get(30, TimeUnit.SECONDS)) {
                    assertThat(in.describe()).contains("peer " + TlsFixture.SOURCE);
                }
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    /**
     * A stream's channels 1.. are admitted by its id; they must also come from the peer channel 0
     * came from. Another authorized peer that knew the id was taken as channel 1.
     */
    @Test
    void aChannelFromAnotherAuthorizedPeerIsNotTakenIntoTheStream() throws Exception {
        TransportOptions destination = TlsFixture.options(
                        tls.destination(), TlsFixture.SOURCE + ";" + TlsFixture.INTRUDER)
                .with("handshake-timeout", "5000");
        TransportOptions source = tls.sourceOptions();
        TransportOptions intruder = TlsFixture.options(tls.intruder(), TlsFixture.DESTINATION);
        long stream = 0x51DE;
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, destination)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            try (MigrationChannel zero = Transports.connect(endpoint.address(), source);
                    MigrationChannel other = Transports.connect(endpoint.address(), intruder)) {
                writeHeader(zero, StreamHeader.channel(0, 2, stream));
                writeHeader(other, StreamHeader.channel(1, 2, stream));
                CompletableFuture<Integer> refused = CompletableFuture.supplyAsync(() -> readEnd(other));
                CompletableFuture.anyOf(accepted, refused).get(30, TimeUnit.SECONDS);
                assertThat(accepted)
                        .as("the stream was admitted with the other peer's channel")
                        .isNotDone();
                try (MigrationChannel one = Transports.connect(endpoint.address(), source)) {
                    writeHeader(one, StreamHeader.channel(1, 2, stream));
                    try (MigrationChannel in = accepted.get(30, TimeUnit.SECONDS)) {
                        assertThat(in.companions()).hasSize(1);
                        assertThat(in.companions().get(0).describe()).contains("peer " + TlsFixture.SOURCE);
                    }
                }
            }
        }
    }

    /**
     * A refused stream header that names the stream being admitted fails it only if it comes from
     * channel 0's TLS peer: one from another authorized peer, which may know the id, is answered
     * on its own connection and the stream is admitted with its own channel 1.
     */
    @Test
    void aRefusedHeaderFromAnotherAuthorizedPeerDoesNotFailTheStream() throws Exception {
        TransportOptions destination = TlsFixture.options(
                        tls.destination(), TlsFixture.SOURCE + ";" + TlsFixture.INTRUDER)
                .with("handshake-timeout", "60000");
        TransportOptions source = tls.sourceOptions();
        TransportOptions intruder = TlsFixture.options(tls.intruder(), TlsFixture.DESTINATION);
        long stream = 0x5EAD;
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, destination)) {
            CompletableFuture<MigrationChannel> accepted = RawPeer.acceptAsync(endpoint);
            try (MigrationChannel zero = Transports.connect(endpoint.address(), source);
                    MigrationChannel other = Transports.connect(endpoint.address(), intruder)) {
                writeHeader(zero, StreamHeader.channel(0, 2, stream));
                // refused (the single-channel version for a channel of two), with a checksum that holds
                writeHeader(other, new StreamHeader(2, 1, 2, stream));
                assertThat(new FrameReader(other.input(), 1 << 16).next())
                        .as("answered: the refusal was queued before the answer was sent")
                        .isInstanceOfSatisfying(
                                Frame.Error.class,
                                e -> assertThat(e.message()).contains("format version 2 with 2 channels"));
                try (MigrationChannel one = Transports.connect(endpoint.address(), source)) {
                    writeHeader(one, StreamHeader.channel(1, 2, stream));
                    try (MigrationChannel in = accepted.get(30, TimeUnit.SECONDS)) {
                        assertThat(in.describe()).contains("peer " + TlsFixture.SOURCE);
                        assertThat(in.companions()).hasSize(1);
                        assertThat(in.companions().get(0).describe()).contains("peer " + TlsFixture.SOURCE);
                    }
                }
            }
        }
    }

    private static void writeHeader(MigrationChannel c, StreamHeader h) throws IOException {
        new FrameWriter(c.output(), 1 << 20).writeHeader(h);
    }

    /** Reads {@code c} until the listener closes it: -1, or -2 where the close came as a failure. */
    private static int readEnd(MigrationChannel c) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            int n;
            while ((n = c.input().read(b.clear())) >= 0) {
                // nothing is expected; read on to the end
            }
            return n;
        } catch (IOException e) {
            return -2;
        }
    }

    @Test
    void aPlaintextPeerIsRefusedWhenTlsIsRequired() throws Exception {
        try (Machine src = Machine.create("src", GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            src.start();
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, tls.destinationOptions());
            Migration in = migrator.incoming(dest, endpoint, params(tls.destinationOptions()));
            // a complete, valid plaintext stream, as a raw client replaying a snapshot would send it
            byte[] reply = RawPeer.sendRaw(endpoint.address(), RawPeer.wholeStream());
            assertThat(reply).as("nothing answered to a plaintext peer").isEmpty();
            assertThat(in.status()).isEqualTo(MigrationStatus.SETUP);
            assertThat(dest.runState()).isEqualTo(RunState.INMIGRATE);
            Migration plain = migrator.migrate(src, endpoint.address(), MigrationParameters.defaults());
            plain.await(LIMIT);
            assertThat(plain.status()).isEqualTo(MigrationStatus.FAILED);
            assertThat(in.status()).isEqualTo(MigrationStatus.SETUP);
            assertThat(in.cancel()).isTrue();
        }
    }

    @Test
    void replayingARecordedTlsStreamIntoADestinationFails() throws Exception {
        byte[] recorded;
        try (Machine src = Machine.create("src", GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            src.start();
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, tls.destinationOptions());
            Migration in = migrator.incoming(dest, endpoint, params(tls.destinationOptions()));
            try (RecordingProxy proxy = new RecordingProxy(RawPeer.toAddress(endpoint.address()))) {
                Migration out = migrator.migrate(src, proxy.address(), params(tls.sourceOptions()));
                out.await(LIMIT);
                in.await(LIMIT);
                assertThat(in.status()).isEqualTo(MigrationStatus.COMPLETED);
                recorded = proxy.recorded();
            }
        }
        assertThat(recorded.length).isGreaterThan(1000);
        try (Machine victim = Machine.incoming("victim", GuestMemory.of(1 << 20))) {
            IncomingEndpoint endpoint = Transports.listen(ANY_PORT, tls.destinationOptions());
            Migration in = migrator.incoming(victim, endpoint, params(tls.destinationOptions()));
            RawPeer.sendRaw(endpoint.address(), recorded);
            assertThat(in.status())
                    .as("the replay was refused in the handshake")
                    .isEqualTo(MigrationStatus.SETUP);
            assertThat(in.figures().transferredBytes()).isZero();
            assertThat(victim.runState()).isEqualTo(RunState.INMIGRATE);
            assertThat(in.cancel()).isTrue();
        }
    }

    @Test
    void aDestinationWithoutTheRightCertificateCannotImpersonateTheRealOne() throws Exception {
        try (Machine src = Machine.create("src", GuestMemory.of(1 << 20))) {
            src.start();
            // the same subject as the real destination, but signed by a CA the source does not trust
            TransportOptions impostor = TlsFixture.options(tls.impostor(), TlsFixture.SOURCE);
            try (IncomingEndpoint fake = Transports.listen(ANY_PORT, impostor);
                    Machine sink = Machine.incoming("sink", GuestMemory.of(1 << 20))) {
                Migration in = migrator.incoming(sink, fake, params(impostor));
                Migration out = migrator.migrate(src, fake.address(), params(tls.sourceOptions()));
                out.await(LIMIT);
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(out.failure().orElseThrow()).hasMessageContaining("cannot connect");
                assertThat(src.runState()).isEqualTo(RunState.RUNNING);
                assertThat(in.figures().transferredBytes()).isZero();
                in.cancel();
            }
            // a plain listener with no certificate at all, answering whatever it reads
            try (ServerSocket plain = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                CompletableFuture.runAsync(() -> answerGarbage(plain));
                Migration out = migrator.migrate(
                        src, new MigrationUri.Tcp("127.0.0.1", plain.getLocalPort()), params(tls.sourceOptions()));
                out.await(LIMIT);
                assertThat(out.status()).isEqualTo(MigrationStatus.FAILED);
                assertThat(src.runState()).isEqualTo(RunState.RUNNING);
            }
        }
    }

    @Test
    void missingCredentialsAreAClearError() {
        TransportOptions broken = TransportOptions.defaults()
                .with("tls-creds", dir.resolve("nowhere").toString());
        assertThatThrownBy(() -> Transports.listen(ANY_PORT, broken))
                .hasMessageContaining("tls-creds")
                .hasMessageContaining("not a directory");
        assertThatThrownBy(() -> TransportOptions.defaults().with("tls-authz", "not a name"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A source's channel to a listening destination over TLS, its stream header sent, and the channel the destination admitted. */
    private static void connected(ChannelPair test) throws Exception {
        try (IncomingEndpoint endpoint = Transports.listen(ANY_PORT, tls.destinationOptions())) {
            CompletableFuture<MigrationChannel> accepted = CompletableFuture.supplyAsync(() -> acceptQuietly(endpoint));
            try (MigrationChannel out = Transports.connect(endpoint.address(), tls.sourceOptions())) {
                new FrameWriter(out.output(), 1 << 16).writeHeader(StreamHeader.singleChannel(7));
                try (MigrationChannel in = accepted.get(30, TimeUnit.SECONDS)) {
                    test.run(out, in);
                }
            }
        }
    }

    /** What a test does with a connected pair. */
    private interface ChannelPair {
        void run(MigrationChannel out, MigrationChannel in) throws Exception;
    }

    static MigrationParameters params(TransportOptions options) {
        return MigrationParameters.defaults().withTransport(options);
    }

    private static MigrationChannel acceptQuietly(IncomingEndpoint endpoint) {
        try {
            return endpoint.accept();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeQuietly(MigrationChannel ch, ByteBuffer b) {
        try {
            ch.output().write(new ByteBuffer[] {b.duplicate()});
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long writeQuietly(MigrationChannel ch, ByteBuffer[] srcs) {
        try {
            return ch.output().write(srcs);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void answerGarbage(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.getInputStream().read(new byte[512]);
            s.getOutputStream().write("HTTP/1.0 200 OK\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // the source hung up
        }
    }

    /** Forwards one connection to {@code target} and records what the client sent. */
    static final class RecordingProxy implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
        private final CompletableFuture<Void> done;

        RecordingProxy(InetSocketAddress target) throws IOException {
            done = CompletableFuture.runAsync(() -> {
                try (Socket client = server.accept();
                        Socket upstream = new Socket(target.getAddress(), target.getPort())) {
                    CompletableFuture<Void> back = CompletableFuture.runAsync(() -> pump(upstream, client, null));
                    pump(client, upstream, recorded);
                    back.join();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        MigrationUri address() {
            return new MigrationUri.Tcp("127.0.0.1", server.getLocalPort());
        }

        byte[] recorded() throws Exception {
            done.get(30, TimeUnit.SECONDS);
            synchronized (recorded) {
                return recorded.toByteArray();
            }
        }

        private static void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
            byte[] buf = new byte[64 << 10];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    out.write(buf, 0, n);
                    if (copy != null) {
                        synchronized (copy) {
                            copy.write(buf, 0, n);
                        }
                    }
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // one side closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
