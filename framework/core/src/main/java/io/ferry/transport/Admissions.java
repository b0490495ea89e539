package io.ferry.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Connections being admitted, each on a thread of its own, at most {@link #MAX_IN_FLIGHT} at a
 * time, and the channels they became. A peer that connects and sends nothing holds only its own
 * admission, for at most the handshake timeout, not the port. When a connection arrives with every
 * slot taken, the admission in flight longest gives its slot up: it has had the most time, so peers
 * that connect and send nothing keep a real source out only if they connect faster than its
 * handshake completes. Once a source is admitted ({@link #busy}), what is still admitted goes to
 * the busy answer instead of the queue. Besides the channels admitted, the queue carries the
 * refused stream headers that name a stream ({@link #refused}), for a stream being admitted must
 * fail when one of its channels is refused.
 */
final class Admissions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Admissions.class.getName());

    static final int MAX_IN_FLIGHT = 16;

    /** One connection's admission: the TLS handshake if configured, and its stream header. */
    @FunctionalInterface
    interface Admit {
        TcpChannel admit(TimedSocket socket) throws IOException;
    }

    /** What an admission came to, in the order they came: a channel admitted, or a header refused. */
    sealed interface Arrival {
        /** A connection admitted: its channel, with the stream header it sent. */
        record Admitted(TcpChannel channel) implements Arrival {}

        /**
         * A connection whose stream header was refused and answered, as far as it tells which
         * stream it belongs to: the {@code streamId} its header holds (taken only on an exact match
         * with a stream being admitted, see {@link TcpEndpoint}), the channel index where the
         * header can be trusted to say it, the peer's authenticated subject, and why it was refused.
         */
        record Refused(long streamId, OptionalInt channelIndex, Optional<String> peer, String why) implements Arrival {}
    }

    /** What to do with a connection that was refused (the port goes on listening). */
    @FunctionalInterface
    interface Refused {
        void log(Exception e);
    }

    private final String threadName;
    private final Refused refused;
    private final Deque<TimedSocket> inFlight = new ArrayDeque<>(); // guarded by this
    private final Set<TimedSocket> evicted = Collections.newSetFromMap(new IdentityHashMap<>()); // guarded by this
    private final LinkedBlockingQueue<Arrival> admitted = new LinkedBlockingQueue<>();
    private boolean closed; // guarded by this
    private Consumer<TcpChannel> busy; // guarded by this

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
                TimedSocket oldest = inFlight.removeFirst();
                evicted.add(oldest);
                closeQuietly(oldest); // its admission fails and its thread ends
            }
            inFlight.addLast(socket);
        }
        thread(() -> run(socket, admit)).start();
    }

    private void run(TimedSocket socket, Admit admit) {
        TcpChannel channel = null;
        try {
            channel = admit.admit(socket);
        } catch (IOException | RuntimeException e) {
            boolean quiet;
            synchronized (this) {
                quiet = closed || evicted.remove(socket);
            }
            if (!quiet) {
                refused.log(e);
            }
        } finally {
            if (channel == null) {
                closeQuietly(socket); // refused, evicted, or an Error on the way
            }
            deliver(socket, channel);
        }
    }

    private void deliver(TimedSocket socket, TcpChannel channel) {
        Consumer<TcpChannel> answerBusy;
        synchronized (this) {
            inFlight.remove(socket);
            evicted.remove(socket);
            if (channel == null) {
                return;
            }
            if (closed) {
                answerBusy = null;
            } else if (busy == null) {
                admitted.add(new Arrival.Admitted(channel));
                return;
            } else {
                answerBusy = busy;
            }
        }
        if (answerBusy == null) {
            closeQuietly(channel); // admitted after the port stopped admitting
        } else {
            answerBusy.accept(channel); // on this connection's own thread
        }
    }

    /**
     * A stream header was refused (and is being answered): queued for {@link #poll}, unless a
     * source was admitted already or admitting stopped, when no stream is waiting for its channels.
     */
    void refused(Arrival.Refused refusal) {
        synchronized (this) {
            if (!closed && busy == null) {
                admitted.add(refusal);
            }
        }
    }

    /** The next admission's outcome, waiting at most {@code millis}; null if none yet. */
    Arrival poll(long millis) throws IOException {
        try {
            return admitted.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while admitting peers");
        }
    }

    /**
     * A source was admitted: the channels admitted but not taken, and those still in flight once
     * admitted, go to {@code answer} (each on a thread of its own) instead of the queue.
     */
    void busy(Consumer<TcpChannel> answer) {
        List<Arrival> waiting = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            busy = answer;
            admitted.drainTo(waiting);
        }
        for (Arrival a : waiting) {
            if (a instanceof Arrival.Admitted c) {
                thread(() -> answer.accept(c.channel())).start();
            } // a refused header was answered already
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
        for (Arrival a; (a = admitted.poll()) != null; ) {
            if (a instanceof Arrival.Admitted c) {
                closeQuietly(c.channel());
            }
        }
    }

    Thread thread(Runnable r) {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
    }

    /** Closes {@code c}; a failure to close is only logged: the connection is being dropped anyway. */
    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + c, e);
        }
    }
}
