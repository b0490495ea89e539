package io.ferry.ram.bench;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The probe behind ARCHITECTURE.md's "The RAM data path": sends an off-heap image in framed
 * 1 MiB batches (8-byte header, data, CRC32C trailer, one gathering write per batch) to a reader
 * thread that copies them into a second off-heap image, several ways, runs interleaved, and prints
 * the median per way. Ways: {@code view} (the data handed to the channel as a slice of the image),
 * {@code stage} (copied into a 1 MiB buffer first), with {@code +crc} the checksum computed first,
 * with {@code +pages} gathered as 256 one-page slices instead of one. Over {@code tcp} (loopback,
 * 4 MiB socket buffers) or a {@code pipe} (the in-memory transport's kind of channel). Plain JDK:
 *
 * <pre>
 * java -XX:MaxDirectMemorySize=2g -cp ram-plugin/target/test-classes io.ferry.ram.bench.GatheringWriteProbe \
 *     256 7 tcp view+crc,stage+crc,view+pages+crc
 * </pre>
 *
 * Not a test: it asserts nothing and is not run by the build.
 */
public final class GatheringWriteProbe {
    private static final int BATCH = 1 << 20;
    private static final int PAGE = 4096;

    private GatheringWriteProbe() {}

    public static void main(String[] args) throws Exception {
        long size = Long.parseLong(args[0]) << 20;
        int runs = Integer.parseInt(args[1]);
        boolean tcp = args[2].equals("tcp");
        String[] ways = args[3].split(",");
        ByteBuffer image = ByteBuffer.allocateDirect(Math.toIntExact(size));
        long x = 12345;
        while (image.remaining() >= Long.BYTES) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            image.putLong(x);
        }
        ByteBuffer copy = ByteBuffer.allocateDirect(image.capacity());
        long[][] millis = new long[ways.length][runs];
        for (int warm = 0; warm < 3; warm++) {
            for (String way : ways) {
                run(image, copy, tcp, way);
            }
        }
        for (int r = 0; r < runs; r++) {
            for (int w = 0; w < ways.length; w++) {
                millis[w][r] = run(image, copy, tcp, ways[w]);
            }
        }
        for (int w = 0; w < ways.length; w++) {
            long[] t = millis[w].clone();
            Arrays.sort(t);
            System.out.printf(
                    Locale.ROOT,
                    "%-5s %-18s median %5d ms  %s%n",
                    tcp ? "tcp" : "pipe",
                    ways[w],
                    t[runs / 2],
                    Arrays.toString(t));
        }
    }

    private static long run(ByteBuffer image, ByteBuffer copy, boolean tcp, String way) throws Exception {
        List<Closeable> open = new ArrayList<>();
        GatheringByteChannel out;
        ReadableByteChannel in;
        if (tcp) {
            ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            SocketChannel a = SocketChannel.open(server.getLocalAddress());
            SocketChannel b = server.accept();
            for (SocketChannel s : List.of(a, b)) {
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                s.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
                s.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            }
            open.addAll(List.of(a, b, server));
            out = a;
            in = b;
        } else {
            Pipe p = Pipe.open();
            open.addAll(List.of(p.sink(), p.source()));
            out = p.sink();
            in = p.source();
        }
        Thread reader = new Thread(() -> receive(in, copy, image.capacity()), "probe-reader");
        reader.start();
        long started = System.nanoTime();
        send(out, image, way);
        reader.join();
        long ms = (System.nanoTime() - started) / 1_000_000;
        for (Closeable c : open) {
            c.close();
        }
        return ms;
    }

    private static void send(GatheringByteChannel out, ByteBuffer image, String way) throws IOException {
        boolean stage = way.startsWith("stage");
        boolean crcFirst = way.contains("crc");
        boolean pages = way.contains("pages");
        ByteBuffer staging = ByteBuffer.allocateDirect(BATCH);
        ByteBuffer header = ByteBuffer.allocateDirect(8);
        ByteBuffer trailer = ByteBuffer.allocateDirect(4);
        ByteBuffer slice = image.duplicate();
        ByteBuffer[] pageSlices = new ByteBuffer[BATCH / PAGE];
        ByteBuffer[] gather = new ByteBuffer[2 + pageSlices.length];
        CRC32C crc = new CRC32C();
        for (int at = 0; at < image.capacity(); at += BATCH) {
            slice.limit(at + BATCH).position(at);
            ByteBuffer data = slice;
            if (stage) {
                staging.put(0, slice, at, BATCH);
                data = staging.clear();
            }
            if (crcFirst) {
                crc.reset();
                crc.update(data.duplicate());
                trailer.putInt(0, (int) crc.getValue());
            }
            header.clear();
            trailer.clear();
            gather[0] = header;
            int n = 1;
            if (pages) {
                for (int i = 0; i < pageSlices.length; i++) {
                    pageSlices[i] = data.duplicate()
                            .limit(data.position() + (i + 1) * PAGE)
                            .position(data.position() + i * PAGE);
                    gather[n++] = pageSlices[i];
                }
            } else {
                gather[n++] = data;
            }
            gather[n++] = trailer;
            int first = 0;
            while (trailer.hasRemaining()) {
                out.write(gather, first, n - first);
                while (first < n - 1 && !gather[first].hasRemaining()) {
                    first++;
                }
            }
        }
    }

    private static void receive(ReadableByteChannel in, ByteBuffer copy, int total) {
        try {
            ByteBuffer header = ByteBuffer.allocateDirect(8);
            ByteBuffer trailer = ByteBuffer.allocateDirect(4);
            ByteBuffer into = copy.duplicate();
            for (int at = 0; at < total; at += BATCH) {
                fill(in, header.clear());
                fill(in, into.limit(at + BATCH).position(at));
                fill(in, trailer.clear());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fill(ReadableByteChannel in, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw new IOException("stream ended early");
            }
        }
    }
}
