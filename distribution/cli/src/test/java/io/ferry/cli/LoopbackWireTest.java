package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackWireTest {
    @ParameterizedTest(name = "{0} connection(s)")
    @ValueSource(ints = {1, 2, 3})
    void everyByteOfGuestRamArrivesOverTheConnections(int connections) throws Exception {
        // Two blocks, the second an odd number of pages: shares that do not divide evenly, runs cut at a block's end.
        GuestMemory memory = GuestMemory.builder()
                .block("ram", 8 << 20)
                .block("rom", 3L * GuestMemory.PAGE_SIZE + (1 << 20))
                .build();
        LoopbackWire.Trip trip = LoopbackWire.move(memory, connections);
        assertThat(trip.bytes()).isEqualTo(memory.size());
        assertThat(trip.millis()).isNotNegative();
    }

    @ParameterizedTest(name = "{0} connections")
    @ValueSource(ints = {0, -1})
    void refusesFewerThanOneConnection(int connections) {
        assertThatThrownBy(() -> LoopbackWire.move(GuestMemory.of(1 << 20), connections))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connections must be at least 1 but was " + connections);
    }
}
