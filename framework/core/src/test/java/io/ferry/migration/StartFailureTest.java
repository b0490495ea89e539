package io.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.RunState;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Parameters have bounds, and a start that fails holds neither the machine nor the port. */
class StartFailureTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void timeoutsAndLimitsOutsideTheirRangeAreRefusedNamingTheParameterAndTheRange() {
        MigrationParameters p = MigrationParameters.defaults();
        assertThatThrownBy(() -> p.with("switchover-timeout", "9223372036854775807"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("switchover-timeout")
                .hasMessageContaining("[100, 3600000] ms");
        assertThatThrownBy(() -> p.with("downtime-limit", "9223372036854775807"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("downtime-limit")
                .hasMessageContaining("[0, 2000000] ms");
        assertThatThrownBy(() -> p.with("iteration-cap", "2000000000")).hasMessageContaining("iteration-cap");
        assertThatThrownBy(() -> p.with("max-bandwidth", "1"))
                .hasMessageContaining("max-bandwidth")
                .hasMessageContaining("[1M, 1T]");
        assertThatThrownBy(() -> p.with("progress-timeout", "9223372036854775807"))
                .hasMessageContaining("progress-timeout");
        assertThatThrownBy(() -> p.with("handshake-timeout", "0"))
                .hasMessageContaining("handshake-timeout")
                .hasMessageContaining("[100 ms, 3600000 ms]");
        assertThatThrownBy(() -> p.with("in-doubt-timeout", "9223372036854775807"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in-doubt-timeout")
                .hasMessageContaining("[100, 86400000] ms");
        assertThatThrownBy(() -> p.with("in-doubt-timeout", "99")).hasMessageContaining("in-doubt-timeout");
        assertThat(p.inDoubtTimeout()).isEqualTo(MigrationParameters.DEFAULT_IN_DOUBT_TIMEOUT);
        assertThat(p.with("in-doubt-timeout", "1000").inDoubtTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.with("switchover-timeout", "3600000").switchoverTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(p.with("max-bandwidth", "0").maxBandwidth()).isZero();
    }

    @Test
    void anIncomingThatCannotStartReleasesThePortForTheNextStart() throws Exception {
        Migrator migrator = new Migrator(new PluginRegistry());
        try (Machine wrong = Machine.create("wrong", GuestMemory.of(1 << 20));
                Machine src = Machine.create("src", GuestMemory.of(1 << 20));
                Machine dest = Machine.incoming("dest", GuestMemory.of(1 << 20))) {
            src.start();
            IncomingEndpoint endpoint = Transports.listen(new MigrationUri.Tcp("127.0.0.1", 0));
            MigrationUri port = endpoint.address();
            assertThatThrownBy(() -> migrator.incoming(wrong, endpoint, MigrationParameters.defaults()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("INMIGRATE");
            assertThat(wrong.isClaimed()).isFalse();

            Migration in = migrator.incoming(dest, Transports.listen(port), MigrationParameters.defaults());
            Migration out = migrator.migrate(src, port, MigrationParameters.defaults());
            out.await(LIMIT);
            in.await(LIMIT);
            assertThat(in.status()).as("%s", in.failure()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(dest.runState()).isEqualTo(RunState.RUNNING);
            assertThat(dest.isClaimed()).isFalse();
        }
    }
}
