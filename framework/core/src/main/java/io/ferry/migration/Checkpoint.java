package io.ferry.migration;

import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.pipeline.Side;
import java.time.Duration;

/**
 * One moment of a switchover attempt, on the source's timeline: {@code at} is the time since the
 * source asked the machine to stop. The destination's checkpoints are placed on it through the
 * return path (see {@link SwitchoverBreakdown}).
 *
 * @param side where it happened
 * @param name what happened, such as {@code "vcpus-stopped"} or {@code "complete ram.final end"}
 * @param bytes for the end of a COMPLETE handler, the bytes it wrote to the stream; else 0
 */
public record Checkpoint(Side side, String name, Duration at, long bytes) {
    public Checkpoint {
        checkNotNull(side, "side");
        checkNotNull(name, "name");
        checkNotNull(at, "at");
    }
}
