package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationUriTest {

    @Test
    void parsesQemuStyleUris() {
        assertThat(MigrationUri.parse("tcp:127.0.0.1:4444")).isEqualTo(new MigrationUri.Tcp("127.0.0.1", 4444));
        assertThat(MigrationUri.parse("tcp:[::1]:5")).isEqualTo(new MigrationUri.Tcp("::1", 5));
        assertThat(MigrationUri.parse("tcp:[::1]:5").toString()).isEqualTo("tcp:[::1]:5");
        assertThat(MigrationUri.parse("file:/tmp/x.ferry")).isEqualTo(new MigrationUri.File(Path.of("/tmp/x.ferry")));
    }

    @Test
    void badUrisNameTheProblem() {
        assertThatThrownBy(() -> MigrationUri.parse("udp:1:2"))
                .hasMessageContaining("unsupported migration URI 'udp:1:2'");
        assertThatThrownBy(() -> MigrationUri.parse("tcp:host:http"))
                .hasMessageContaining("port 'http' is not a number");
        assertThatThrownBy(() -> MigrationUri.parse("tcp:host:70000")).hasMessageContaining("outside 0..65535");
        assertThatThrownBy(() -> MigrationUri.parse("tcp:4444")).hasMessageContaining("not tcp:HOST:PORT");
        assertThatThrownBy(() -> MigrationUri.parse("file:")).hasMessageContaining("names no file");
    }

    @Test
    void tcpListenOnPortZeroReportsTheBoundPortAndCarriesBothWays() throws IOException {
        try (IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0))) {
            MigrationUri.Tcp bound = (MigrationUri.Tcp) endpoint.address();
            assertThat(bound.port()).isPositive();
            try (MigrationChannel client = Transports.connect(bound)) {
                // the listener admits a peer once it has sent a valid stream header, and replays it
                new io.ferry.stream.FrameWriter(client.output(), 1 << 16)
                        .writeHeader(io.ferry.stream.StreamHeader.singleChannel(5));
                client.output().write(ByteBuffer.wrap(new byte[] {1, 2}));
                try (MigrationChannel server = endpoint.accept()) {
                    assertThat(new io.ferry.stream.FrameReader(server.input(), 1 << 16)
                                    .readHeader()
                                    .streamId())
                            .isEqualTo(5);
                    ByteBuffer in = ByteBuffer.allocate(2);
                    while (in.hasRemaining()) {
                        server.input().read(in);
                    }
                    server.output().write(ByteBuffer.wrap(new byte[] {3}));
                    ByteBuffer back = ByteBuffer.allocate(1);
                    client.input().read(back);
                    assertThat(in.array()).containsExactly(1, 2);
                    assertThat(back.array()).containsExactly(3);
                }
                assertThat(client.hasReturnPath()).isTrue();
            }
        }
    }

    @Test
    void connectingToNothingFailsClearly() throws IOException {
        int port;
        try (IncomingEndpoint e = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0))) {
            port = ((MigrationUri.Tcp) e.address()).port();
        }
        assertThatThrownBy(() -> Transports.connect(new MigrationUri.Tcp("127.0.0.1", port)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot connect to tcp:127.0.0.1:" + port);
    }

    @Test
    void snapshotFilesHaveNoReturnPath(@TempDir Path dir) throws IOException {
        MigrationUri.File f = new MigrationUri.File(dir.resolve("s.ferry"));
        assertThatThrownBy(() -> Transports.listen(f)).hasMessageContaining("does not exist");
        try (MigrationChannel out = Transports.connect(f)) {
            out.output().write(ByteBuffer.wrap(new byte[] {7}));
            assertThat(out.hasReturnPath()).isFalse();
            assertThatThrownBy(out::input).hasMessageContaining("no return path");
            assertThat(f.path()).doesNotExist(); // not until it is complete
            out.complete();
        }
        assertThat(Files.readAllBytes(f.path())).containsExactly(7);
        try (MigrationChannel cut = Transports.connect(f)) {
            cut.output().write(ByteBuffer.wrap(new byte[] {8, 9}));
        } // closed without complete(): a cut snapshot
        assertThat(Files.readAllBytes(f.path())).containsExactly(7); // the good one stays
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertThat(left).containsExactly(f.path()); // and no partial file is left behind
        }
    }

    @Test
    void inMemoryEndsBehaveLikeASocket() throws IOException {
        InMemoryTransport t = InMemoryTransport.open();
        t.sourceEnd().output().write(ByteBuffer.wrap(new byte[] {5}));
        t.sourceEnd().close();
        ByteBuffer in = ByteBuffer.allocate(2);
        assertThat(t.destinationEnd().input().read(in)).isEqualTo(1); // what was sent arrives
        assertThat(t.destinationEnd().input().read(in)).isEqualTo(-1); // then end of stream
        t.destinationEnd().close();
    }
}
