package io.ferry.itest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A userspace TCP proxy that delays every byte by a fixed time in each direction (a delay line:
 * netem is not available on every kernel). Run as its own process inside a network namespace:
 * {@code DelayProxy LISTEN_HOST TARGET_HOST TARGET_PORT DELAY_MS}; prints {@code proxy on PORT},
 * then {@code forwarded N MiB} as data flows towards the target. Buffers at most 16 MiB per
 * direction; killing it cuts the link.
 */
public final class DelayProxy {
    private static final int PIECE = 16 << 10;
    private static final byte[] EOF = new byte[0];

    private record Piece(byte[] bytes, long due) {}

    private DelayProxy() {}

    public static void main(String[] args) throws IOException {
        InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        long delay = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getByName(args[0]))) {
            System.out.println("proxy on " + server.getLocalPort());
            System.out.flush();
            AtomicLong forwarded = new AtomicLong();
            while (true) {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                pipe(client, upstream, delay, forwarded);
                pipe(upstream, client, delay, null);
            }
        }
    }

    /** Copies {@code from} to {@code to} through a delay line: a reader stamps pieces, a writer sends each when due. */
    private static void pipe(Socket from, Socket to, long delay, AtomicLong counted) {
        BlockingQueue<Piece> line = new LinkedBlockingQueue<>(1024);
        Thread reader = new Thread(() -> {
            try (InputStream in = from.getInputStream()) {
                byte[] buf = new byte[PIECE];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    line.put(new Piece(Arrays.copyOf(buf, n), System.nanoTime() + delay));
                }
                line.put(new Piece(EOF, System.nanoTime() + delay));
            } catch (IOException | InterruptedException e) {
                closeBoth(from, to);
            }
        });
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = to.getOutputStream();
                for (Piece p = line.take(); p.bytes() != EOF; p = line.take()) {
                    long wait = p.due() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the delay itself, not a wait for a condition
                    }
                    out.write(p.bytes());
                    report(counted, p.bytes().length);
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                closeBoth(from, to);
            }
        });
        reader.start();
        writer.start();
    }

    private static void report(AtomicLong counted, int n) {
        if (counted == null) {
            return;
        }
        long before = counted.getAndAdd(n);
        if ((before >> 20) != ((before + n) >> 20)) {
            System.out.println("forwarded " + ((before + n) >> 20) + " MiB");
            System.out.flush();
        }
    }

    private static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
            b.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
