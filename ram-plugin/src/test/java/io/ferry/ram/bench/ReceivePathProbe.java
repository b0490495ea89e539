package io.ferry.ram.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;

/**
 * The probe behind ARCHITECTURE.md's "Several channels, and how the destination reads": moves an
 * off-heap image over loopback TCP (4 MiB socket buffers, 1 MiB writes and reads) into a second
 * one, both ends in this process as in {@code ferry bench}, several ways, runs interleaved, and
 * prints the median wall and CPU time per way. Ways, each a {@code +}-list: {@code raw} (bytes
 * only), {@code stage} (the sender copies each MiB into a buffer first), {@code crc} (CRC32C on
 * both sides), {@code copy} (the receiver reads into a buffer and copies it into the image, as
 * "verify, then apply" must), {@code pipe} (the receiver's reads on a thread of their own, handing
 * buffers to an apply thread through a queue of 4). Plain JDK:
 *
 * <pre>
 * java -XX:MaxDirectMemorySize=3g -cp ram-plugin/target/test-classes io.ferry.ram.bench.ReceivePathProbe \
 *     1024 5 raw,crc+copy,stage+crc+copy,crc+copy+pipe,stage+crc+copy+pipe
 * </pre>
 *
 * Not a test: it asserts nothing and is not run by the build.
 */
public final class ReceivePathProbe {
    private static final int BUFFER = 1 << 20;
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final int DEPTH = 4;

    private ReceivePathProbe() {}

    /** One way to move the image. */
    private record Way(String name, boolean stage, boolean crc, boolean copy, boolean pipe) {
        static Way parse(String name) {
            List<String> parts = Arrays.asList(name.split("\\+"));
            return new Way(
                    name,
                    parts.contains("stage"),
                    parts.contains("crc"),
                    parts.contains("copy"),
                    parts.contains("pipe"));
        }
    }

    /** Arguments: MiB to move, runs per way, ways (comma-separated). */
    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Way> ways = Arrays.stream(
                        (args.length > 2 ? args[2] : "raw,crc+copy,stage+crc+copy,crc+copy+pipe").split(","))
                .map(Way::parse)
                .toList();
        long size = (long) mib << 20;
        ByteBuffer source = ByteBuffer.allocateDirect(Math.toIntExact(size));
        ByteBuffer target = ByteBuffer.allocateDirect(Math.toIntExact(size));
        fillRandom(source);
        fillRandom(target); // touched, as a pre-faulted destination's RAM is
        for (Way w : ways) {
            move(w, source, target); // warm-up round, not counted
        }
        long[][] wall = new long[ways.size()][runs];
        long[][] cpu = new long[ways.size()][runs];
        for (int run = 0; run < runs; run++) {
            for (int i = 0; i < ways.size(); i++) {
                long cpuBefore = processCpuNanos();
                long start = System.nanoTime();
                move(ways.get(i), source, target);
                wall[i][run] = (System.nanoTime() - start) / 1_000_000;
                cpu[i][run] = (processCpuNanos() - cpuBefore) / 1_000_000;
            }
        }
        System.out.printf(Locale.ROOT, "%d MiB over loopback TCP, %d runs per way, interleaved%n", mib, runs);
        for (int i = 0; i < ways.size(); i++) {
            System.out.printf(
                    Locale.ROOT,
                    "%-24s median %5d ms  CPU %5d ms  runs %s%n",
                    ways.get(i).name(),
                    median(wall[i]),
                    median(cpu[i]),
                    Arrays.toString(wall[i]));
        }
    }

    private static void move(Way way, ByteBuffer source, ByteBuffer target) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread sender = new Thread(() -> send(way, source, server), "probe-sender");
            sender.start();
            try (SocketChannel in = configure(server.accept())) {
                if (way.pipe()) {
                    receivePipelined(way, in, target);
                } else {
                    receive(way, in, target);
                }
            }
            sender.join();
        }
    }

    private static void send(Way way, ByteBuffer image, ServerSocketChannel server) {
        try (SocketChannel out = configure(SocketChannel.open(server.getLocalAddress()))) {
            ByteBuffer staging = ByteBuffer.allocateDirect(BUFFER);
            CRC32C crc = new CRC32C();
            for (int at = 0; at < image.capacity(); at += BUFFER) {
                ByteBuffer data = image.slice(at, BUFFER);
                if (way.stage()) {
                    staging.clear().put(data).flip();
                    data = staging;
                }
                if (way.crc()) {
                    crc.reset();
                    crc.update(data.duplicate());
                }
                while (data.hasRemaining()) {
                    out.write(data);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void receive(Way way, SocketChannel in, ByteBuffer target) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        CRC32C crc = new CRC32C();
        for (int at = 0; at < target.capacity(); at += BUFFER) {
            readFully(in, buffer.clear());
            apply(way, crc, buffer.flip(), target, at);
        }
    }

    private static void receivePipelined(Way way, SocketChannel in, ByteBuffer target) throws Exception {
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(DEPTH);
        BlockingQueue<ByteBuffer> filled = new ArrayBlockingQueue<>(DEPTH);
        for (int i = 0; i < DEPTH; i++) {
            free.add(ByteBuffer.allocateDirect(BUFFER));
        }
        Thread reader = new Thread(
                () -> {
                    try {
                        CRC32C crc = new CRC32C();
                        for (int at = 0; at < target.capacity(); at += BUFFER) {
                            ByteBuffer b = free.take();
                            readFully(in, b.clear());
                            b.flip();
                            if (way.crc()) {
                                crc.reset();
                                crc.update(b.duplicate());
                            }
                            filled.put(b);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "probe-reader");
        reader.start();
        Way applyOnly = new Way(way.name(), false, false, way.copy(), false); // the reader checked the CRC
        for (int at = 0; at < target.capacity(); at += BUFFER) {
            ByteBuffer b = filled.take();
            apply(applyOnly, null, b, target, at);
            free.put(b);
        }
        reader.join();
    }

    private static void apply(Way way, CRC32C crc, ByteBuffer data, ByteBuffer target, int at) {
        if (way.crc()) {
            crc.reset();
            crc.update(data.duplicate());
        }
        if (way.copy()) {
            target.put(at, data, 0, data.remaining());
        }
    }

    private static void readFully(SocketChannel in, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw new EOFException("stream ended early");
            }
        }
    }

    private static SocketChannel configure(SocketChannel c) throws IOException {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        c.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        return c;
    }

    private static void fillRandom(ByteBuffer image) {
        long x = 0x9E3779B97F4A7C15L;
        for (int at = 0; at < image.capacity(); at += Long.BYTES) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            image.putLong(at, x);
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : 0;
    }
}
