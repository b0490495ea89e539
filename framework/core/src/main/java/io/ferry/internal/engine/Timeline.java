package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import io.ferry.migration.Checkpoint;
import io.ferry.migration.SwitchoverBreakdown;
import io.ferry.pipeline.Side;
import io.ferry.stream.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The checkpoints of one switchover attempt on the source's clock, from the stop request. The
 * destination's marks (nanoseconds after it read END, on its own clock) are placed on this
 * timeline one way after the source frame that triggered them: the ones up to its ACK after END
 * written, one way being what the END-to-ACK round trip took beyond the destination's own
 * END-to-ACK time, halved; the ones from COMMIT read after COMMIT written, one way being half
 * the PING round trip.
 */
final class Timeline implements Marks {
    static final String STOP = "stop-requested";
    static final String VCPUS_STOPPED = "vcpus-stopped";
    static final String END_WRITTEN = "end-written";
    static final String ACK_READ = "ack-read";
    static final String COMMIT_WRITTEN = "commit-written";
    static final String VOID_WRITTEN = "void-written";
    /** Destination mark names, shared with {@link DestinationMigration}. */
    static final String END_READ = "end-read";

    static final String ACK_WRITTEN = "ack-written";
    static final String COMMIT_READ = "commit-read";
    static final String RUNNING = "running";

    private final Ticker ticker;
    private final long origin;
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private long endWritten = -1;
    private long ackRead = -1;
    private long commitWritten = -1;
    private long oneWay;
    private long destinationRunning = -1;

    /** Starts the timeline now, with the stop request. */
    Timeline(Ticker ticker) {
        this.ticker = ticker;
        this.origin = ticker.read();
        mark(STOP);
    }

    @Override
    public void mark(String name, long bytes) {
        long at = ticker.read() - origin;
        switch (name) {
            case END_WRITTEN -> endWritten = at;
            case ACK_READ -> ackRead = at;
            case COMMIT_WRITTEN -> commitWritten = at;
            default -> {}
        }
        checkpoints.add(new Checkpoint(Side.SOURCE, name, Duration.ofNanos(at), bytes));
    }

    /** How long a stretch of the attempt took and what was written in it; zeros if it did not happen. */
    record Span(long nanos, long bytes) {}

    /**
     * RAM's final pass as the stopped machine experienced it: from its handler's start to END
     * written (the stream drained behind it), or to the handler's end if the attempt stopped
     * before END; its bytes are the handler's.
     */
    Span finalPass(String handlerId) {
        Checkpoint start = find("complete " + handlerId + " start");
        Checkpoint end = find("complete " + handlerId + " end");
        Checkpoint drained = find(END_WRITTEN);
        if (start == null || end == null) {
            return new Span(0, 0);
        }
        Checkpoint last = drained != null ? drained : end;
        return new Span(last.at().minus(start.at()).toNanos(), end.bytes());
    }

    /** What the destination's part took in this attempt (END read to ACK written), or 0 before its ACK. */
    long destinationNanos() {
        Checkpoint endRead = find(Side.DESTINATION, END_READ);
        Checkpoint ackWritten = find(Side.DESTINATION, ACK_WRITTEN);
        return endRead == null || ackWritten == null
                ? 0
                : ackWritten.at().minus(endRead.at()).toNanos();
    }

    private Checkpoint find(String name) {
        return find(Side.SOURCE, name);
    }

    private Checkpoint find(Side side, String name) {
        return checkpoints.stream()
                .filter(c -> c.side() == side && c.name().equals(name))
                .findFirst()
                .orElse(null);
    }

    /** Time since the stop request. */
    long elapsedNanos() {
        return ticker.read() - origin;
    }

    /** Places the ACK's marks; call after {@link #ACK_READ}. Returns the estimated one-way time. */
    long placeAck(List<Frame.Mark> marks) {
        long destinationSpan = find(marks, ACK_WRITTEN) - find(marks, END_READ);
        oneWay = Math.max(0, (ackRead - endWritten - Math.max(0, destinationSpan)) / 2);
        for (Frame.Mark m : marks) {
            place(m.name(), endWritten + oneWay + m.nanos() - find(marks, END_READ));
        }
        return oneWay;
    }

    /**
     * Places the REPORT's marks; call after {@link #COMMIT_WRITTEN} and {@link #placeAck}. COMMIT
     * travels on an idle connection, so its way out is half the PING round trip when one was
     * measured ({@code roundTripNanos} > 0), not the END-to-ACK one way, which includes the time END
     * waited behind the final pass's data.
     */
    void placeReport(List<Frame.Mark> marks, long roundTripNanos) {
        long commitRead = find(marks, COMMIT_READ);
        long out = roundTripNanos > 0 ? roundTripNanos / 2 : oneWay;
        for (Frame.Mark m : marks) {
            long at = commitWritten + out + m.nanos() - commitRead;
            place(m.name(), at);
            if (m.name().equals(RUNNING)) {
                destinationRunning = at;
            }
        }
    }

    /** The attempt so far: end to end once the destination's REPORT placed "running", else to the last source checkpoint. */
    SwitchoverBreakdown breakdown(int attempts) {
        List<Checkpoint> sorted = new ArrayList<>(checkpoints);
        sorted.sort(Comparator.comparing(Checkpoint::at));
        boolean endToEnd = destinationRunning >= 0;
        long last = sorted.stream()
                .filter(c -> c.side() == Side.SOURCE)
                .mapToLong(c -> c.at().toNanos())
                .max()
                .orElse(0);
        return new SwitchoverBreakdown(
                sorted, Duration.ofNanos(endToEnd ? destinationRunning : last), endToEnd, attempts);
    }

    private void place(String name, long at) {
        checkpoints.add(new Checkpoint(Side.DESTINATION, name, Duration.ofNanos(Math.max(0, at)), 0));
    }

    private static long find(List<Frame.Mark> marks, String name) {
        return marks.stream()
                .filter(m -> m.name().equals(name))
                .mapToLong(Frame.Mark::nanos)
                .findFirst()
                .orElse(0);
    }
}
