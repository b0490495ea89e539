package io.ferry.transport;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Connections being admitted, each on a thread of its own, at most {@link #MAX_IN_FLIGHT} at a
 * time, and the channels they became. A peer that connects and sends nothing holds only its own
 * admission, for at most the handshake timeout, not the port. When a connection arrives with every
 * slot taken, the admission in flight longest gives its slot up: it has had the most time, and
 * peers that connect and send nothing cannot keep a real source waiting in the backlog unless they
 * connect faster than its handshake completes.
 */
final class Admissions implements AutoCloseable {
    static final int MAX_IN_FLIGHT = 16;

    /** One connection's admission: the TLS handshake if configured, and its stream header. */
    @FunctionalInterface
    interface Admit {
        TcpChannel admit(TimedSocket socket) throws IOException;
    }

    /** What to do with a connection that was refused (the port goes on listening). */
    @FunctionalInterface
    interface Refused {
        void log(Exception e);
    }

    private final String threadName;
    private final Refused refused;
    private final Deque<TimedSocket> inFlight = new ArrayDeque<>(); // guarded by this
    private final LinkedBlockingQueue<TcpChannel> admitted = new LinkedBlockingQueue<>();
    private boolean closed; // guarded by this

    Admissions(String threadName, Refused refused) {
        this.threadName = threadName;
        this.refused = refused;
    }

    /** Admits {@code socket} on a thread of its own; its channel comes out of {@link #poll}. */
    void start(TimedSocket socket, Admit admit) {
        synchronized (this) {
            if (closed) {
                closeQuietly(socket);
                return;
            }
            if (inFlight.size() >= MAX_IN_FLIGHT) {
                closeQuietly(inFlight.removeFirst()); // its admission fails and its thread ends
            }
            inFlight.addLast(socket);
        }
        Thread t = new Thread(() -> run(socket, admit), threadName);
        t.setDaemon(true);
        t.start();
    }

    private void run(TimedSocket socket, Admit admit) {
        TcpChannel channel = null;
        try {
            channel = admit.admit(socket);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            refused.log(e);
        } finally {
            synchronized (this) {
                inFlight.remove(socket);
                if (channel != null && !closed) {
                    admitted.add(channel);
                    channel = null;
                }
            }
            if (channel != null) {
                closeQuietly(channel); // admitted after the port stopped admitting
            }
        }
    }

    /** The next channel admitted, waiting at most {@code millis}; null if none yet. */
    TcpChannel poll(long millis) throws IOException {
        try {
            return admitted.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while admitting peers");
        }
    }

    /** Stops admitting: closes the connections in flight and the channels admitted but not taken. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            inFlight.forEach(Admissions::closeQuietly);
            inFlight.clear();
        }
        for (TcpChannel c; (c = admitted.poll()) != null; ) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing was read from it yet: there is nothing to lose
        }
    }
}
