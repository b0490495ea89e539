package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.itest.SwitchoverHold.Point;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 11: either process killed (SIGKILL) at every point of the switchover, over TCP on
 * loopback between two JVMs. Each run ends with exactly one running guest with the source's state,
 * after the operator resolved any IN_DOUBT side as the README says; only a source killed before
 * the destination acknowledged the whole state may leave no guest (that process was the guest),
 * and then the destination never runs a partial one.
 */
class SwitchoverKillIT {
    /** Short bounds, so a side waiting for a dead peer gives up in seconds. */
    static final String[] PARAMS = {"switchover-timeout=2000", "progress-timeout=3000", "in-doubt-timeout=2000"};

    @ParameterizedTest
    @EnumSource(Point.class)
    void killingTheSourceEndsWithOneGuestOrNoneStarted(Point point) throws Exception {
        SwitchoverPair.Outcome[] outcomes = killAt(point, true);
        if (point == Point.AFTER_ACK) {
            assertThat(outcomes[1].wasInDoubt())
                    .as("acknowledged, and nobody left to say COMMIT or ABORT")
                    .isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Point.class)
    void killingTheDestinationEndsWithExactlyOneGuest(Point point) throws Exception {
        SwitchoverPair.Outcome[] outcomes = killAt(point, false);
        // After the ACK the source either commits (then, without a REPORT, it is in doubt) or first notices the
        // return path broke and turns back; after COMMIT it cannot know whether the destination ran.
        if (point == Point.AFTER_COMMIT) {
            assertThat(outcomes[0].wasInDoubt()).as("committed, and no REPORT").isTrue();
        } else if (point != Point.AFTER_ACK) {
            assertThat(outcomes[0].wasInDoubt()).as("never committed").isFalse();
        }
    }

    /** Holds the switchover at {@code point}, kills one side there, lets the other go on, resolves and checks. */
    private static SwitchoverPair.Outcome[] killAt(Point point, boolean source) throws Exception {
        try (SwitchoverPair pair = SwitchoverPair.start(
                point, SwitchoverKillIT::launch, "tcp:127.0.0.1:0", SwitchoverKillIT::launch, "127.0.0.1", PARAMS)) {
            if (source) {
                pair.killSource();
            } else {
                pair.killDestination();
            }
            pair.release();
            SwitchoverPair.Outcome[] outcomes = pair.settle();
            pair.assertExactlyOneGuest(outcomes);
            return outcomes;
        }
    }

    private static ShellProcess launch(String name, List<String> command) throws IOException {
        return ShellProcess.watch(
                name, new ProcessBuilder(command).redirectErrorStream(true).start());
    }
}
