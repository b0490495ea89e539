package io.ferry.migration;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * What the source decided for one switchover, named by the stream's id: only this decision lets an
 * in-doubt destination run the machine or discard it ({@link Migration#resolve}).
 *
 * @param streamId the id in the stream header of the migration the decision belongs to
 * @param verdict committed (the source stays stopped for good) or aborted (the source resumed)
 */
public record SwitchoverDecision(long streamId, Verdict verdict) {
    public SwitchoverDecision {
        checkNotNull(verdict, "verdict");
    }

    /** The source's two possible decisions. */
    public enum Verdict {
        /** The source passed its point of no return: it never resumes, the destination must run the machine. */
        COMMITTED,
        /** The source turned back before committing and resumed (or will): the destination must discard. */
        ABORTED
    }

    /** The stream id as printed in statuses and taken by commands: 16 hex digits. */
    public String streamHex() {
        return String.format("%016x", streamId);
    }
}
