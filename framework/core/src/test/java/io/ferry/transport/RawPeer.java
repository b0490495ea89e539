package io.ferry.transport;

import io.ferry.stream.Frame;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.stream.StreamSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A hand-driven peer for the listener tests: raw sockets and frames written to plain streams. */
final class RawPeer {
    private RawPeer() {}

    /** Frames written to {@code out}, flushed after each write. */
    static FrameWriter writer(OutputStream out) {
        return new FrameWriter(new StreamSink(out), 4 << 20);
    }

    /** A whole valid stream of an empty machine: header, manifest, one pass, END, COMMIT. */
    static byte[] wholeStream() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter w = writer(bytes);
        w.writeHeader(StreamHeader.singleChannel(42));
        w.writeManifest(new Frame.Manifest(List.of()));
        w.writePass(new Frame.Pass(0));
        w.writeEnd();
        w.writeCommit();
        return bytes.toByteArray();
    }

    /** The endpoint's next admitted source, accepted on another thread. */
    static CompletableFuture<MigrationChannel> acceptAsync(IncomingEndpoint endpoint) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return endpoint.accept();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Socket connect(MigrationUri address) throws IOException {
        Socket s = new Socket();
        s.connect(toAddress(address), 10_000);
        return s;
    }

    /** Connects, sends {@code bytes}, and returns what the peer sends until it closes (bounded). */
    static byte[] sendRaw(MigrationUri address, byte[] bytes) throws IOException {
        try (Socket s = connect(address)) {
            s.setSoTimeout(20_000);
            try {
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // refused while sending: what matters is what came back
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(got);
            } catch (IOException e) {
                // reset by the refusing side
            }
            return got.toByteArray();
        }
    }

    static InetSocketAddress toAddress(MigrationUri uri) {
        MigrationUri.Tcp tcp = (MigrationUri.Tcp) uri;
        return new InetSocketAddress(tcp.host(), tcp.port());
    }
}
