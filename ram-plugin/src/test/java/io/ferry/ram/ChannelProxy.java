package io.ferry.ram;

import io.ferry.transport.MigrationUri;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * are full).
 */
final class ChannelProxy implements AutoCloseable {
    /** What happens to the chosen connection. */
    enum Fault {
        CUT,
        STALL
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
                pump(in, out, i == index ? after : Long.MAX_VALUE, count);
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
