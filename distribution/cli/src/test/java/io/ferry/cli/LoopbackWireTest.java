package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.MemoryFill;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
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
        GuestMemory memory = twoBlocks();
        LoopbackWire.Trip trip = LoopbackWire.move(memory, connections);
        assertThat(trip.received())
                .containsExactlyElementsOf(LoopbackWire.shares(memory.pages(), connections).stream()
                        .map(LoopbackWire.Share::bytes)
                        .toList());
        assertThat(trip.bytes()).isEqualTo(memory.size());
    }

    @ParameterizedTest(name = "{0} connection(s)")
    @ValueSource(ints = {1, 2, 3})
    void aCheckedTripAppliesEveryPageAsSent(int connections) throws Exception {
        GuestMemory from = twoBlocks();
        GuestMemory into = twoBlocks();
        MemoryFill.random(from, 7, 0);
        assertThat(into.contentEquals(from)).as("before the trip").isFalse();

        LoopbackWire.Trip trip = LoopbackWire.moveChecked(from, into, connections);

        assertThat(into.contentEquals(from)).as("after the trip").isTrue();
        assertThat(trip.received())
                .containsExactlyElementsOf(LoopbackWire.shares(from.pages(), connections).stream()
                        .map(LoopbackWire.Share::bytes)
                        .toList());
    }

    @Test
    void spoilingMakesEveryPieceOfTheTargetDifferSoASkippedPieceShows() throws Exception {
        GuestMemory from = twoBlocks();
        GuestMemory into = twoBlocks();
        MemoryFill.random(from, 11, 0);
        LoopbackWire.moveChecked(from, into, 2);
        assertThat(into.contentEquals(from)).isTrue();

        LoopbackWire.spoil(from, into);

        List<Long> pieces = new ArrayList<>();
        LoopbackWire.forEachPiece(from, 0, from.pages(), (page, v) -> pieces.add(page << GuestMemory.PAGE_SHIFT));
        assertThat(pieces).hasSizeGreaterThan(2);
        assertThat(pieces)
                .allSatisfy(address -> assertThat(into.untracked().readLong(address))
                        .as("piece at %s", address)
                        .isNotEqualTo(from.untracked().readLong(address)));
    }

    @Test
    void aPieceWhoseChecksumDiffersIsNotAppliedAndFailsTheTripNamingItsPage() throws Exception {
        GuestMemory into = GuestMemory.of(1 << 20);
        LoopbackWire.Share all = LoopbackWire.shares(into.pages(), 1).get(0);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress());
                    SocketChannel in = server.accept()) {
                ByteBuffer piece = ByteBuffer.allocate(LoopbackWire.IO_SIZE + Integer.BYTES);
                while (piece.position() < LoopbackWire.IO_SIZE) {
                    piece.put((byte) 0x5a);
                }
                piece.putInt(0x1234_5678).flip(); // not the piece's CRC32C
                while (piece.hasRemaining()) {
                    out.write(piece);
                }

                assertThatThrownBy(() -> LoopbackWire.receiveChecked(into, all, in))
                        .isInstanceOf(IOException.class)
                        .hasMessage("checked TCP: the piece at page 0 arrived with another checksum");
            }
        }
        assertThat(into.firstNonZero(0, into.size())).as("nothing applied").isEqualTo(-1);
    }

    @Test
    void aCheckedTripRefusesATargetOfAnotherLayout() {
        assertThatThrownBy(() -> LoopbackWire.moveChecked(GuestMemory.of(1 << 20), GuestMemory.of(2 << 20), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the trip's target must have the source's layout");
    }

    /** Two blocks, the second ending in a part of a run: runs are cut at a block's end. */
    private static GuestMemory twoBlocks() {
        return GuestMemory.builder()
                .block("ram", 8 << 20)
                .block("rom", 4L * GuestMemory.PAGE_SIZE + (1 << 20))
                .build();
    }

    @Test
    void refusesFewerThanOneConnection() {
        assertThatThrownBy(() -> LoopbackWire.move(GuestMemory.of(1 << 20), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connections must be at least 1 but was 0");
    }
}
