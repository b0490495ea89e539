package io.ferry.cli;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.Stopwatch;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryAccess;
import io.ferry.machine.PageViews;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The bench's yardstick: bare TCP over loopback in this process, moving a guest RAM's bytes as
 * they are, on as many connections as a case has channels. Each connection's writer sends its
 * share of the pages from guest RAM itself in 512 KiB writes (a RAM batch), and its reader reads
 * them into one 512 KiB buffer; the sockets have the buffer sizes, TCP_NODELAY and keep-alive of
 * Ferry's TCP channels, but block where Ferry's wait in selectors. There is no framing, checksum,
 * zero-page check or copy into the destination's RAM, and only the bytes' trip is timed: what a
 * Ferry migration takes beyond it, measured in the same run, is what its stream and its
 * connecting, handshake and switchover cost.
 *
 * <p>The checked trip ({@link #moveChecked}) adds the least that a checksummed, verify-then-apply
 * stream must do to those bytes, and nothing else: each piece goes with its CRC32C in one gathered
 * write, and the reader checks it in its buffer before it copies the piece into the destination's
 * guest RAM. Timed the same way, it is what any such stream takes on this host, its work spread over
 * as many threads as Ferry's channels have at the least (a writer and a reader per connection).
 */
final class LoopbackWire {
    /** Bytes per write and per read: a RAM batch's data. */
    static final int IO_SIZE = 512 << 10;
    /** As Ferry's TCP channels set them (TimedSocket). */
    private static final int SOCKET_BUFFER = 4 << 20;

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private LoopbackWire() {}

    /** The pages [first, end) one connection carries. */
    record Share(long first, long end) {
        long bytes() {
            return (end - first) * GuestMemory.PAGE_SIZE;
        }
    }

    /**
     * One trip of a guest RAM: the bytes that arrived on each connection (for a checked trip, those
     * checked and applied), how long they all took,
     * and the CPU time of this process meanwhile (the kernel's copies in and out of the sockets,
     * mostly).
     */
    record Trip(List<Long> received, long millis, long cpuMillis) {
        long bytes() {
            return received.stream().mapToLong(Long::longValue).sum();
        }
    }

    /** {@code pages} split into {@code connections} consecutive shares, in order, as even as whole pages allow. */
    static List<Share> shares(long pages, int connections) {
        checkArgument(connections >= 1, "connections must be at least 1 but was %s", connections);
        List<Share> shares = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            shares.add(new Share(pages * i / connections, pages * (i + 1) / connections));
        }
        return shares;
    }

    /**
     * Moves every byte of {@code memory} over {@code connections} loopback TCP connections. The
     * first failure of any connection ends the trip (the others are closed), as does a trip longer
     * than {@link #TIMEOUT}.
     */
    static Trip move(GuestMemory memory, int connections) throws IOException, InterruptedException {
        return trip(
                "bare TCP",
                memory.pages(),
                connections,
                (share, out) -> send(memory, share, out),
                (share, in) -> receive(in, ByteBuffer.allocateDirect(IO_SIZE)));
    }

    /**
     * Moves every byte of {@code from} into {@code into} (which must have its layout) as {@link
     * #move} does, each piece checksummed by its writer and checked by its reader before it is
     * copied into place. A piece whose checksum differs fails the trip, naming its page; the bytes
     * received are those applied.
     */
    static Trip moveChecked(GuestMemory from, GuestMemory into, int connections)
            throws IOException, InterruptedException {
        checkArgument(from.layoutEquals(into), "the trip's target must have the source's layout: %s, %s", from, into);
        return trip(
                "checked TCP",
                from.pages(),
                connections,
                (share, out) -> sendChecked(from, share, out),
                (share, in) -> receiveChecked(into, share, in));
    }

    /** One end of a connection: it writes or reads the share's pages; a reader returns the bytes it took. */
    @FunctionalInterface
    private interface End {
        long run(Share share, SocketChannel socket) throws IOException;
    }

    /** {@code name}: the trip's, in its failures. */
    private static Trip trip(String name, long pages, int connections, End writer, End reader)
            throws IOException, InterruptedException {
        List<Share> shares = shares(pages, connections);
        List<SocketChannel> sockets = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(2 * connections, r -> {
            Thread t = new Thread(r, "ferry-bench-wire");
            t.setDaemon(true);
            return t;
        });
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long[] received = new long[connections]; // each written by its reader, read after its task completed
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                SocketChannel out = configure(SocketChannel.open(server.getLocalAddress()), sockets);
                SocketChannel in = configure(server.accept(), sockets);
                Share share = shares.get(i);
                int connection = i;
                tasks.add(() -> {
                    writer.run(share, out);
                    out.shutdownOutput();
                    return null;
                });
                tasks.add(() -> {
                    received[connection] = reader.run(share, in);
                    return null;
                });
            }
            CompletionService<Void> done = new ExecutorCompletionService<>(threads);
            long cpuBefore = ProcessCounters.cpuNanos();
            Stopwatch time = Stopwatch.createStarted(); // connected: only the bytes' trip is timed
            tasks.forEach(done::submit);
            for (int i = 0; i < tasks.size(); i++) {
                long left = TIMEOUT.toNanos() - time.elapsed(TimeUnit.NANOSECONDS);
                Future<Void> next = done.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new IOException(name + " over loopback did not end in " + TIMEOUT.toMinutes() + " minutes");
                }
                next.get(); // the first failure throws here; closing the sockets then ends the others
            }
            long millis = time.elapsed(TimeUnit.MILLISECONDS);
            long cpuMillis = TimeUnit.NANOSECONDS.toMillis(ProcessCounters.cpuNanos() - cpuBefore);
            return new Trip(Arrays.stream(received).boxed().toList(), millis, cpuMillis);
        } catch (ExecutionException e) {
            throw new IOException(name + " over loopback failed: " + e.getCause(), e.getCause());
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
        s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        s.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        s.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        return s;
    }

    /** Sends the share's pages as they are. */
    private static long send(GuestMemory memory, Share share, SocketChannel out) throws IOException {
        forEachPiece(memory, share.first(), share.end(), (page, v) -> {
            while (v.hasRemaining()) {
                out.write(v);
            }
        });
        return share.bytes();
    }

    /** Sends each of the share's pieces followed by its CRC32C, in one gathered write. */
    private static long sendChecked(GuestMemory memory, Share share, SocketChannel out) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer checksum = ByteBuffer.allocateDirect(Integer.BYTES);
        ByteBuffer[] parts = {null, checksum};
        forEachPiece(memory, share.first(), share.end(), (page, v) -> {
            int start = v.position();
            crc.reset();
            crc.update(v);
            checksum.clear().putInt(0, (int) crc.getValue());
            parts[0] = v.position(start);
            while (checksum.hasRemaining()) {
                out.write(parts);
            }
        });
        return share.bytes();
    }

    /** What is done with one piece of guest RAM: its first page and a view of it. */
    @FunctionalInterface
    interface PieceAction<E extends Exception> {
        void accept(long page, ByteBuffer view) throws E;
    }

    /**
     * Hands pages [first, end) of {@code memory} to {@code action} in views of at most
     * {@link #IO_SIZE} (a RAM batch's data), each within one segment. Each view is valid until the
     * next is taken.
     */
    static <E extends Exception> void forEachPiece(GuestMemory memory, long first, long end, PieceAction<E> action)
            throws E {
        PageViews views = memory.newPageViews(1);
        int batch = IO_SIZE / GuestMemory.PAGE_SIZE;
        for (long page = first; page < end; ) {
            int count = views.contiguousPages(page, (int) Math.min(batch, end - page));
            action.accept(page, views.view(page, count));
            page += count;
        }
    }

    /**
     * Makes every piece of {@code into} differ from {@code from}'s (its first long inverted), so
     * that a checked trip which skipped a piece leaves the two RAMs unequal.
     */
    static void spoil(GuestMemory from, GuestMemory into) {
        checkArgument(from.layoutEquals(into), "the trip's target must have the source's layout: %s, %s", from, into);
        MemoryAccess source = from.untracked();
        MemoryAccess target = into.untracked();
        forEachPiece(from, 0, from.pages(), (page, v) -> {
            long address = page << GuestMemory.PAGE_SHIFT;
            target.writeLong(address, ~source.readLong(address));
        });
    }

    /** Reads until the sender closes; returns the bytes read. */
    private static long receive(SocketChannel in, ByteBuffer buffer) throws IOException {
        long bytes = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer.clear())) {
            bytes += n;
        }
        return bytes;
    }

    /**
     * Reads each of the share's pieces and its checksum into one buffer, checks it there, then
     * copies the piece into {@code into}: verify, then apply. Returns the bytes applied.
     */
    static long receiveChecked(GuestMemory into, Share share, SocketChannel in) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(IO_SIZE + Integer.BYTES);
        CRC32C crc = new CRC32C();
        MemoryAccess target = into.untracked();
        forEachPiece(into, share.first(), share.end(), (page, v) -> {
            int length = v.remaining();
            readFully(in, buffer.clear().limit(length + Integer.BYTES), page);
            int expected = buffer.flip().getInt(length);
            crc.reset();
            crc.update(buffer.limit(length));
            if ((int) crc.getValue() != expected) {
                throw new IOException("checked TCP: the piece at page " + page + " arrived with another checksum");
            }
            target.write(page << GuestMemory.PAGE_SHIFT, buffer.position(0));
        });
        if (in.read(buffer.clear()) >= 0) {
            throw new IOException("checked TCP: more bytes arrived after the share's last page " + (share.end() - 1));
        }
        return share.bytes();
    }

    private static void readFully(SocketChannel in, ByteBuffer buffer, long page) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new EOFException(
                        "checked TCP: the sender closed before the piece at page " + page + " was whole");
            }
        }
    }
}
