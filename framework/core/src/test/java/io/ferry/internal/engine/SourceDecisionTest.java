package io.ferry.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.migration.SwitchoverDecision;
import io.ferry.migration.SwitchoverDecision.Verdict;
import io.ferry.stream.Frame;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceDecisionTest {
    private static final long STREAM = 0x1234_5678_9abc_def0L;
    private final SourceDecision log = new SourceDecision(STREAM, "migration to test");

    @Test
    void aDestinationAskingHearsTheDecisionAsItIsNow() {
        assertThat(log.answer()).isEqualTo(Frame.Verdict.UNDECIDED);
        assertThat(log.current()).isEmpty();

        log.commit();

        assertThat(log.answer()).isEqualTo(Frame.Verdict.COMMITTED);
        assertThat(log.committed()).isTrue();
        assertThat(log.current()).contains(new SwitchoverDecision(STREAM, Verdict.COMMITTED));
    }

    @Test
    void anAbortedMigrationAnswersAbortedAndIsNotCommitted() {
        log.abort();

        assertThat(log.answer()).isEqualTo(Frame.Verdict.ABORTED);
        assertThat(log.committed()).isFalse();
    }

    @Test
    void theOperatorResolvesOnlyWhileTheMigrationIsInDoubt() {
        log.commit();

        assertThat(log.resolve(new SwitchoverDecision(STREAM, Verdict.ABORTED), false))
                .isFalse();
        assertThat(log.resolved()).isFalse();
        assertThat(log.committed()).isTrue();
    }

    @Test
    void anAbortResolutionResumesHereAndADestinationAskingThenHearsAborted() throws Exception {
        log.commit();

        assertThat(log.resolve(new SwitchoverDecision(STREAM, Verdict.ABORTED), true))
                .isTrue();

        assertThat(log.awaitResolution().verdict()).isEqualTo(Verdict.ABORTED);
        assertThat(log.committed()).isFalse();
        assertThat(log.answer()).isEqualTo(Frame.Verdict.ABORTED);
        assertThat(log.resolve(new SwitchoverDecision(STREAM, Verdict.COMMITTED), true))
                .as("a second resolution")
                .isFalse();
    }

    @Test
    void onceADestinationWasToldCommittedAnAbortResolutionIsRefusedNamingTheStream() throws Exception {
        log.commit();
        assertThat(log.answer()).isEqualTo(Frame.Verdict.COMMITTED);

        assertThatThrownBy(() -> log.resolve(new SwitchoverDecision(STREAM, Verdict.ABORTED), true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(new SwitchoverDecision(STREAM, Verdict.ABORTED).streamHex())
                .hasMessageContaining("resolve with commit");
        assertThat(log.resolved()).isFalse();

        assertThat(log.resolve(new SwitchoverDecision(STREAM, Verdict.COMMITTED), true))
                .isTrue();
        assertThat(log.awaitResolution().verdict()).isEqualTo(Verdict.COMMITTED);
    }

    @Test
    void theDestinationsReportOnTheDecisionPortResolvesACommitOnly() throws Exception {
        log.destinationRuns(new Frame.Report(List.of()));
        assertThat(log.resolved()).as("a report before the commit").isFalse();

        log.commit();
        log.destinationRuns(new Frame.Report(List.of()));

        assertThat(log.resolved()).isTrue();
        assertThat(log.awaitResolution()).isEqualTo(new SwitchoverDecision(STREAM, Verdict.COMMITTED));
        assertThat(log.resolve(new SwitchoverDecision(STREAM, Verdict.ABORTED), true))
                .as("an operator after the report")
                .isFalse();
    }

    @Test
    void aReportOnChannelZeroLeavesTheResolutionToNobodyElse() {
        log.commit();
        log.destinationReported();

        log.destinationRuns(new Frame.Report(List.of())); // the decision port's report comes second

        assertThat(log.resolved())
                .as("channel 0's report ended the migration: no one waits for a resolution")
                .isFalse();
    }
}
