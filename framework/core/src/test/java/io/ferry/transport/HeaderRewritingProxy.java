package io.ferry.transport;

import io.ferry.stream.StreamHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;

/**
 * A TCP proxy on loopback that forwards one source's connections to a destination with each
 * stream header rewritten (by default its format version replaced, its checksum recomputed), and
 * everything else as it is, both ways: a source of another format version, made from the current
 * one, or a middlebox that breaks the header of one channel.
 */
final class HeaderRewritingProxy implements AutoCloseable {
    /** Rewrites the 28 header bytes of a connection in place. */
    @FunctionalInterface
    interface Rewrite {
        void rewrite(ByteBuffer header);
    }

    private final ServerSocket server;
    private final MigrationUri.Tcp target;
    private final Rewrite rewrite;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** Every header with {@code version} in place of its own, and the checksum to match. */
    HeaderRewritingProxy(MigrationUri target, int version) throws IOException {
        this(target, b -> {
            b.putShort(8, (short) version);
            resign(b);
        });
    }

    HeaderRewritingProxy(MigrationUri target, Rewrite rewrite) throws IOException {
        this.target = (MigrationUri.Tcp) target;
        this.rewrite = rewrite;
        this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        daemon("proxy-accept", this::acceptLoop);
    }

    MigrationUri address() {
        return new MigrationUri.Tcp("127.0.0.1", server.getLocalPort());
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket in = server.accept();
                Socket out = new Socket(target.host(), target.port());
                sockets.add(in);
                sockets.add(out);
                daemon("proxy-to-destination", () -> pump(in, out, true));
                daemon("proxy-to-source", () -> pump(out, in, false));
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to, boolean rewriteHeader) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            if (rewriteHeader) {
                out.write(rewritten(in.readNBytes(StreamHeader.SIZE)));
            }
            in.transferTo(out);
        } catch (IOException e) {
            // the other direction closed
        } finally {
            close(from);
            close(to);
        }
    }

    /** {@code header} as {@link #rewrite} makes it; a connection closed before a whole header, as it is. */
    private byte[] rewritten(byte[] header) {
        if (header.length == StreamHeader.SIZE) {
            rewrite.rewrite(ByteBuffer.wrap(header));
        }
        return header;
    }

    /** Recomputes the checksum of {@code header} after a rewrite, so that it is a valid header again. */
    static void resign(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 24);
        header.putInt(24, (int) crc.getValue());
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(HeaderRewritingProxy::close);
    }
}
