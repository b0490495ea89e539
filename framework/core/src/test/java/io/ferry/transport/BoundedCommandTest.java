package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BoundedCommandTest {
    @Test
    void returnsTheOutputOfACommandThatSucceeds() throws IOException {
        String out = BoundedCommand.run(
                "echo",
                List.of("sh", "-c", "echo \"$GREETING\"; echo to-stderr >&2"),
                Map.of("GREETING", "hello"),
                Duration.ofSeconds(30));

        assertThat(out).contains("hello").contains("to-stderr");
    }

    @Test
    void aFailingCommandIsReportedWithItsOutput() {
        assertThatThrownBy(() -> BoundedCommand.run(
                        "false", List.of("sh", "-c", "echo bad input >&2; exit 3"), Map.of(), Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("false")
                .hasMessageContaining("exit 3")
                .hasMessageContaining("bad input");
    }

    /** A command that hangs with its output open is stopped at the limit, not waited for until it closes its output. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aCommandThatHangsIsStoppedAtTheLimit() {
        assertThatThrownBy(() -> BoundedCommand.run(
                        "sleeper", List.of("sh", "-c", "echo started; exec sleep 60"), Map.of(), Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class)
                .hasMessage("sleeper did not finish in 1 s");
    }
}
