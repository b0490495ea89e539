package io.ferry.its.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryAccess;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Flush into guest RAM, restore from it: the same state, or a refusal that installs nothing. */
class TableRoundTripTest {
    private final TestGuest guest = new TestGuest();

    @Test
    void aDriverBuiltStateSurvivesFlushAndRestore() throws Exception {
        try (Machine machine = Machine.create("tables", GuestMemory.of(TestGuest.RAM))) {
            ItsDriver driver = ItsDriver.install(machine, 42);
            for (long i = 0; i < 3000; i++) {
                driver.step(i);
            }
            ItsDevice its = driver.device();
            assertThat(its.translations()).hasSizeGreaterThan(50);
            its.flush(machine.memory().untracked());

            ItsDevice restored = new ItsDevice(machine.memory());
            restored.restore(its.registers());
            assertThat(restored.translations()).isEqualTo(its.translations());
            assertThat(restored.stateFingerprint()).isEqualTo(its.stateFingerprint());
        }
    }

    @Test
    void aFlushLeavesNoStaleEntryBehind() throws Exception {
        guest.mapOne(1, 3, 8200, 2, 5);
        guest.post(new ItsCommand.MapD(4, 5, guest.layout.itt(4), true), new ItsCommand.MapTi(4, 0, 8300, 2));
        guest.its.flush(guest.memory.untracked());
        guest.post(new ItsCommand.Discard(1, 3), ItsCommand.MapD.unmap(4), new ItsCommand.MapC(2, 0, false));
        guest.its.flush(guest.memory.untracked());

        ItsDevice restored = restore();
        assertThat(restored.translate(1, 3)).isEqualTo(Translation.notMapped(Translation.Reason.EVENT));
        assertThat(restored.translate(4, 0)).isEqualTo(Translation.notMapped(Translation.Reason.DEVICE));
        assertThat(restored.stateFingerprint()).isEqualTo(guest.its.stateFingerprint());
    }

    @Test
    void anIttPointingOutsideRamIsRefusedAndNothingInstalled() {
        damaged(
                ram -> ram.writeLong(guest.layout.deviceTable() + 16 + 8, TestGuest.RAM),
                "device table entry 1 at 0x705010: ITT [0x800000, +0x100) of device 1 lies outside guest RAM");
    }

    @Test
    void corruptEntriesAreRefusedNamingTheEntry() {
        Map<Consumer<MemoryAccess>, String> cases = Map.of(
                ram -> ram.writeLong(guest.layout.deviceTable() + 16, TableFormat.VALID | 1L << 20),
                "device table entry 1 at 0x705010: reserved bits 0x100000 set",
                ram -> ram.writeLong(guest.layout.itt(1) + 3 * 8, TableFormat.VALID | 5),
                "ITT entry 3 of device 1 at 0x707818: pINTID 5 is not an LPI",
                ram -> ram.writeLong(guest.layout.itt(1) + 3 * 8, TableFormat.VALID | 40L << 32 | 8200),
                "ITT entry 3 of device 1 at 0x707818: ICID 40 outside the collection table's 16 entries",
                ram -> ram.writeLong(guest.layout.collectionTable() + 2 * 8, TableFormat.VALID | 9),
                "collection table entry 2 at 0x706010: target vCPU 9 outside [0, 8)",
                ram -> ram.writeLong(guest.layout.collectionTable() + 5 * 8, 7),
                "collection table entry 5 at 0x706028: entry without V has bits set");
        cases.forEach(this::damaged);
    }

    private void damaged(Consumer<MemoryAccess> damage, String message) {
        guest.mapOne(1, 3, 8200, 2, 5);
        guest.its.flush(guest.memory.untracked());
        damage.accept(guest.memory.untracked());
        ItsDevice target = new ItsDevice(guest.memory);
        assertThatThrownBy(() -> target.restore(guest.its.registers()))
                .isInstanceOf(CorruptTableException.class)
                .hasMessageContaining(message);
        assertThat(target.registers()).isEqualTo(ItsRegisters.RESET);
        assertThat(target.translations()).isEmpty();
        assertThat(target.isEnabled()).isFalse();
    }

    private ItsDevice restore() throws CorruptTableException {
        ItsDevice restored = new ItsDevice(guest.memory);
        restored.restore(guest.its.registers());
        return restored;
    }
}
