package io.ferry.ram;

import io.ferry.stream.FrameType;
import io.ferry.stream.FrameWriter;
import io.ferry.stream.StreamHeader;
import io.ferry.transport.MigrationUri;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback for several-channel migrations: forwards each accepted connection to
 * the target, counting the bytes from source to destination per connection (connection i is
 * channel i: the source opens them in index order), and does something to connection
 * {@code index} once it has forwarded {@code after} bytes: cuts it (both ways), or stalls it (it
 * stays open but is no longer read, so the source's writes on it block once the socket buffers
 * are full), or, frame by frame, leaves out, repeats or moves one intact CHUNK frame (a plain
 * TCP stream only: the proxy parses the frames).
 */
final class ChannelProxy implements AutoCloseable {
    /** What happens to the chosen connection. */
    enum Fault {
        CUT,
        STALL,
        /** Leaves out the CHUNK frame numbered {@code after} (from 0) on the connection: intact, just missing. */
        DROP_CHUNK,
        /** Forwards the CHUNK frame numbered {@code after} twice. */
        REPEAT_CHUNK,
        /** Holds the CHUNK frame numbered {@code after} back until the segment marker after it has gone through. */
        MOVE_CHUNK;

        boolean framed() {
            return this == DROP_CHUNK || this == REPEAT_CHUNK || this == MOVE_CHUNK;
        }
    }

    private final ServerSocket server;
    private final MigrationUri.Tcp target;
    private final int index;
    private final long after;
    private final Fault fault;
    private final List<AtomicLong> counts = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    /** Cuts connection {@code cutIndex} after {@code cutAfter} bytes (-1: none). */
    ChannelProxy(MigrationUri target, int cutIndex, long cutAfter) throws IOException {
        this(target, cutIndex, cutAfter, Fault.CUT);
    }

    ChannelProxy(MigrationUri target, int index, long after, Fault fault) throws IOException {
        this.target = (MigrationUri.Tcp) target;
        this.index = index;
        this.after = after;
        this.fault = fault;
        this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    MigrationUri address() {
        return new MigrationUri.Tcp("127.0.0.1", server.getLocalPort());
    }

    int connections() {
        return counts.size();
    }

    long forwarded(int channel) {
        return counts.get(channel).get();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket in = server.accept();
                Socket out = new Socket(target.host(), target.port());
                sockets.add(in);
                sockets.add(out);
                AtomicLong count = new AtomicLong();
                int i = counts.size();
                counts.add(count);
                if (i == index && fault.framed()) {
                    pumpFrames(in, out, count);
                } else {
                    pump(in, out, i == index ? after : Long.MAX_VALUE, count);
                }
                pump(out, in, Long.MAX_VALUE, new AtomicLong());
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to, long limit, AtomicLong count) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[64 << 10];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            out.write(buf, 0, n);
                            if (count.addAndGet(n) >= limit) {
                                if (fault == Fault.STALL) {
                                    closed.await(); // no more reads until the proxy closes
                                }
                                break; // the cut: both sockets close here
                            }
                        }
                    } catch (IOException e) {
                        // the other direction closed
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        close(from);
                        close(to);
                    }
                },
                "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Forwards the header, then frame by frame, doing {@link #fault} to the CHUNK frame numbered {@link #after}. */
    private void pumpFrames(Socket from, Socket to, AtomicLong count) {
        Thread t = new Thread(
                () -> {
                    try (DataInputStream in = new DataInputStream(from.getInputStream());
                            OutputStream out = to.getOutputStream()) {
                        out.write(in.readNBytes(StreamHeader.SIZE));
                        long chunks = 0;
                        byte[] held = null;
                        while (true) {
                            byte[] frame = readFrame(in);
                            count.addAndGet(frame.length);
                            boolean chunk = frame[0] == FrameType.CHUNK.code();
                            if (chunk && chunks++ == after) {
                                switch (fault) {
                                    case DROP_CHUNK -> frame = new byte[0];
                                    case REPEAT_CHUNK -> out.write(frame);
                                    default -> {
                                        held = frame;
                                        frame = new byte[0];
                                    }
                                }
                            }
                            out.write(frame);
                            if (held != null && !chunk && frame.length > 0) {
                                out.write(held); // past the marker that ended its segment
                                held = null;
                            }
                        }
                    } catch (IOException e) {
                        // the stream ended, or the other direction closed
                    } finally {
                        close(from);
                        close(to);
                    }
                },
                "proxy-frames");
        t.setDaemon(true);
        t.start();
    }

    /** One whole frame: its 8-byte header, payload and 4-byte checksum. */
    private static byte[] readFrame(DataInputStream in) throws IOException {
        byte[] header = new byte[FrameWriter.FRAME_HEADER];
        in.readFully(header);
        int length = ByteBuffer.wrap(header).getInt(4);
        byte[] frame = new byte[FrameWriter.FRAME_HEADER + length + FrameWriter.FRAME_TRAILER];
        System.arraycopy(header, 0, frame, 0, header.length);
        in.readFully(frame, header.length, length + FrameWriter.FRAME_TRAILER);
        return frame;
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
        closed.countDown();
        server.close();
        sockets.forEach(ChannelProxy::close);
    }
}
