package io.ferry.migration;

import java.time.Duration;

/**
 * With downtime-guard on, every switchover attempt allowed would have broken the downtime limit,
 * so the migration gave up; the source runs on with nothing lost.
 */
public final class DowntimeExceededException extends MigrationException {
    private static final long serialVersionUID = 1L;
    private final int attempts;

    public DowntimeExceededException(int attempts, Duration limit, String lastReason) {
        super("the switchover stepped back " + attempts
                + " time(s), the most switchover-attempts allows: each would have" + " exceeded the downtime limit of "
                + limit.toMillis() + " ms (last: " + lastReason + ")");
        this.attempts = attempts;
    }

    /** Switchover attempts made. */
    public int attempts() {
        return attempts;
    }
}
