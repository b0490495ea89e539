package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import io.ferry.stream.Frame;
import java.util.ArrayList;
import java.util.List;

/** The destination's checkpoints of one switchover attempt, in nanoseconds after it read END (its own clock). */
final class DestinationMarks implements Marks {
    private final Ticker ticker;
    private final long origin;
    private final List<Frame.Mark> marks = new ArrayList<>();
    private int reported;

    /** Starts now, with END read. */
    DestinationMarks(Ticker ticker) {
        this.ticker = ticker;
        this.origin = ticker.read();
        mark(Timeline.END_READ);
    }

    @Override
    public void mark(String name, long bytes) {
        marks.add(new Frame.Mark(name, ticker.read() - origin));
    }

    /** Nanoseconds from END read to the checkpoint {@code name}, or 0 if it was not reached. */
    long at(String name) {
        return marks.stream()
                .filter(m -> m.name().equals(name))
                .mapToLong(Frame.Mark::nanos)
                .findFirst()
                .orElse(0);
    }

    /** The marks not handed out yet (for the ACK, then for the REPORT). */
    List<Frame.Mark> takeNew() {
        List<Frame.Mark> out = ImmutableList.copyOf(marks.subList(reported, marks.size()));
        reported = marks.size();
        return out;
    }
}
