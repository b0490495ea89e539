package io.ferry.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AddressMapTest {
    @Test
    void theMapCoversAllOfGuestRamWithOwnersAndFreeRangesByAddress() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            m.reserve("ring", 0x80000, 0x2000);
            m.reserve("tables", 0, 0x1000);

            List<AddressMapEntry> map = m.addressMap();

            assertThat(map)
                    .containsExactly(
                            new AddressMapEntry(0, 0x1000, Optional.of("tables")),
                            new AddressMapEntry(0x1000, 0x7f000, Optional.empty()),
                            new AddressMapEntry(0x80000, 0x2000, Optional.of("ring")),
                            new AddressMapEntry(0x82000, (1 << 20) - 0x82000, Optional.empty()));
            assertThat(map.get(1).isFree()).isTrue();
            assertThat(map.get(2)).hasToString("[0x80000, 0x82000) ring");
        }
    }

    @Test
    void aMachineWithNothingReservedIsOneFreeRange() {
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            assertThat(m.addressMap()).containsExactly(new AddressMapEntry(0, 1 << 20, Optional.empty()));
        }
    }
}
