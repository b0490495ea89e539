package io.ferry.cli;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.Stopwatch;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.PageViews;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bench's yardstick: bare TCP over loopback in this process, moving a guest RAM's bytes as
 * they are, on as many connections as a case has channels. Each connection's writer sends its
 * share of the pages from guest RAM itself in 512 KiB writes (a RAM batch), and its reader reads
 * them into one 512 KiB buffer; the sockets have the options of Ferry's TCP channels. There is no
 * framing, checksum, zero-page check or copy into the destination's RAM: what Ferry takes beyond
 * this, measured in the same run, is what its stream costs over the wire.
 */
final class LoopbackWire {
    /** Bytes per write and per read: a RAM batch's data. */
    static final int IO_SIZE = 512 << 10;
    /** As Ferry's TCP channels set them (TimedSocket). */
    private static final int SOCKET_BUFFER = 4 << 20;

    private static final long TIMEOUT_MINUTES = 5;

    private LoopbackWire() {}

    /** One trip of a guest RAM: the bytes that arrived, over every connection, and how long they took. */
    record Trip(long bytes, long millis) {}

    /** Moves every byte of {@code memory} over {@code connections} loopback TCP connections. */
    static Trip move(GuestMemory memory, int connections) throws IOException, InterruptedException {
        checkArgument(connections >= 1, "connections must be at least 1 but was %s", connections);
        List<SocketChannel> sockets = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(2 * connections, r -> {
            Thread t = new Thread(r, "ferry-bench-wire");
            t.setDaemon(true);
            return t;
        });
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long pages = memory.pages();
            List<Callable<Long>> ends = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                SocketChannel out = configure(SocketChannel.open(server.getLocalAddress()), sockets);
                SocketChannel in = configure(server.accept(), sockets);
                long first = pages * i / connections;
                long end = pages * (i + 1) / connections;
                ends.add(() -> send(memory, first, end, out));
                ends.add(() -> receive(in));
            }
            Stopwatch time = Stopwatch.createStarted(); // connected: only the bytes' trip is timed
            List<Future<Long>> running = new ArrayList<>();
            for (Callable<Long> e : ends) {
                running.add(threads.submit(e));
            }
            long received = 0;
            for (Future<Long> f : running) {
                received += f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES); // a sender counts 0
            }
            return new Trip(received, time.elapsed(TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            throw new IOException("bare TCP over loopback failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("bare TCP over loopback did not end in " + TIMEOUT_MINUTES + " minutes", e);
        } finally {
            for (SocketChannel s : sockets) {
                s.close(); // ends a read or write still waiting after a failure
            }
            threads.shutdownNow();
        }
    }

    private static SocketChannel configure(SocketChannel s, List<SocketChannel> opened) throws IOException {
        opened.add(s);
        s.setOption(StandardSocketOptions.TCP_NODELAY, true);
        s.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        s.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        return s;
    }

    /** Sends pages [first, end) and closes the connection's output; counts 0 bytes received. */
    private static long send(GuestMemory memory, long first, long end, SocketChannel out) throws IOException {
        PageViews views = memory.newPageViews(1);
        int batch = IO_SIZE / GuestMemory.PAGE_SIZE;
        for (long page = first; page < end; ) {
            int count = views.contiguousPages(page, (int) Math.min(batch, end - page));
            ByteBuffer v = views.view(page, count);
            while (v.hasRemaining()) {
                out.write(v);
            }
            page += count;
        }
        out.shutdownOutput();
        return 0;
    }

    /** Reads until the sender closes; returns the bytes read. */
    private static long receive(SocketChannel in) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(IO_SIZE);
        long bytes = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer.clear())) {
            bytes += n;
        }
        return bytes;
    }
}
