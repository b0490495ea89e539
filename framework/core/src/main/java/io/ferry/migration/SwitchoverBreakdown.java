package io.ferry.migration;

import com.google.common.collect.ImmutableList;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Where the switchover's time went. Downtime is end to end: from the source asking the machine
 * to stop to the destination running it (the destination's checkpoints travel back in its ACK and
 * REPORT frames and are placed on the source's timeline, half the measured round trip after the
 * frame that triggered them). Without a return path (a snapshot file) it ends when the stream is
 * complete on the source, and {@code endToEnd} is false.
 *
 * @param checkpoints the last attempt's checkpoints, in time order
 * @param downtime the last attempt's downtime
 * @param endToEnd whether the downtime reaches the destination running (else it stops at the source's last checkpoint)
 * @param attempts switchover attempts made: 1 plus the ones that stepped back
 */
public record SwitchoverBreakdown(List<Checkpoint> checkpoints, Duration downtime, boolean endToEnd, int attempts) {
    /** No switchover yet. */
    public static final SwitchoverBreakdown NONE = new SwitchoverBreakdown(List.of(), Duration.ZERO, false, 0);

    public SwitchoverBreakdown {
        checkpoints = ImmutableList.copyOf(checkpoints);
    }

    /** One line per checkpoint: its time, side and name, and the step from the one before. */
    public String report() {
        StringBuilder b = new StringBuilder();
        Duration before = Duration.ZERO;
        for (Checkpoint c : checkpoints) {
            b.append(String.format(
                    Locale.ROOT,
                    "  %8.3f ms  (+%7.3f)  %-11s %s%s%n",
                    millis(c.at()),
                    millis(c.at().minus(before)),
                    c.side().toString().toLowerCase(Locale.ROOT),
                    c.name(),
                    c.bytes() > 0 ? " (" + Sizes.format(c.bytes()) + ")" : ""));
            before = c.at();
        }
        b.append(String.format(
                Locale.ROOT,
                "  downtime %.3f ms%s, %d attempt(s)",
                millis(downtime),
                endToEnd ? " (source stop to destination running)" : " (source side only)",
                attempts));
        return b.toString();
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
