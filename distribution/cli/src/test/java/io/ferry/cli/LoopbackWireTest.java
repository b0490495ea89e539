package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackWireTest {
    @ParameterizedTest(name = "{0} connection(s)")
    @ValueSource(ints = {1, 2, 3, 7})
    void theSharesCoverEveryPageOnceInOrder(int connections) {
        long pages = 2308; // not a multiple of 3 or 7
        List<LoopbackWire.Share> shares = LoopbackWire.shares(pages, connections);
        assertThat(shares).hasSize(connections);
        assertThat(shares.get(0).first()).isZero();
        assertThat(shares.get(connections - 1).end()).isEqualTo(pages);
        for (int i = 1; i < connections; i++) {
            assertThat(shares.get(i).first())
                    .as("share %d starts where %d ends", i, i - 1)
                    .isEqualTo(shares.get(i - 1).end());
        }
        assertThat(shares)
                .allSatisfy(
                        s -> assertThat(s.end() - s.first()).isBetween(pages / connections, pages / connections + 1));
    }

    @ParameterizedTest(name = "{0} connection(s)")
    @ValueSource(ints = {1, 2, 3})
    void eachConnectionDeliversItsShareWhole(int connections) throws Exception {
        // Two blocks, the second ending in a part of a run: runs are cut at a block's end.
        GuestMemory memory = GuestMemory.builder()
                .block("ram", 8 << 20)
                .block("rom", 4L * GuestMemory.PAGE_SIZE + (1 << 20))
                .build();
        LoopbackWire.Trip trip = LoopbackWire.move(memory, connections);
        assertThat(trip.received())
                .containsExactlyElementsOf(LoopbackWire.shares(memory.pages(), connections).stream()
                        .map(LoopbackWire.Share::bytes)
                        .toList());
        assertThat(trip.bytes()).isEqualTo(memory.size());
    }

    @Test
    void refusesFewerThanOneConnection() {
        assertThatThrownBy(() -> LoopbackWire.move(GuestMemory.of(1 << 20), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connections must be at least 1 but was 0");
    }
}
