package io.ferry.its.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.ItsLayout;
import io.ferry.its.internal.Translation.Mapped;
import io.ferry.its.internal.Translation.Reason;
import io.ferry.machine.GuestMemory;
import org.junit.jupiter.api.Test;

class ItsDeviceTest {
    private final TestGuest guest = new TestGuest();
    private final ItsDevice its = guest.its;

    @Test
    void mappedEventTranslatesToItsCollectionsVcpu() {
        guest.mapOne(1, 3, 8200, 2, 5);
        assertThat(its.translate(1, 3)).isEqualTo(new Mapped(8200, 5));
        assertThat(its.registers().counters()).isEqualTo(new ItsCounters(3, 0, 0, 0));
        assertThat(its.translations()).containsOnlyKeys(new DeviceEvent(1, 3));
    }

    @Test
    void notMappedSaysWhatIsMissing() {
        guest.post(new ItsCommand.MapD(1, 5, guest.layout.itt(1), true), new ItsCommand.MapTi(1, 3, 8200, 2));
        assertThat(its.translate(0, 3)).isEqualTo(Translation.notMapped(Reason.DEVICE));
        assertThat(its.translate(1, 4)).isEqualTo(Translation.notMapped(Reason.EVENT));
        assertThat(its.translate(1, 3)).isEqualTo(Translation.notMapped(Reason.COLLECTION));
        assertThat(new ItsDevice(guest.memory).translate(1, 3)).isEqualTo(Translation.notMapped(Reason.ITS_DISABLED));
    }

    @Test
    void moviAndMapcRetargetAnEvent() {
        guest.mapOne(1, 3, 8200, 2, 5);
        guest.post(new ItsCommand.MapC(3, 6, true), new ItsCommand.Movi(1, 3, 3));
        assertThat(its.translate(1, 3)).isEqualTo(new Mapped(8200, 6));
        guest.post(new ItsCommand.MapC(3, 1, true));
        assertThat(its.translate(1, 3)).isEqualTo(new Mapped(8200, 1));
        guest.post(new ItsCommand.Movi(1, 3, 4)); // collection 4 is not mapped: refused
        assertThat(its.translate(1, 3)).isEqualTo(new Mapped(8200, 1));
        assertThat(its.registers().counters().rejected()).isEqualTo(1);
    }

    @Test
    void discardAndDeviceRemapOrUnmapDropEvents() {
        guest.mapOne(1, 3, 8200, 2, 5);
        guest.post(new ItsCommand.MapTi(1, 4, 8201, 2), new ItsCommand.Discard(1, 3));
        assertThat(its.translate(1, 3)).isEqualTo(Translation.notMapped(Reason.EVENT));
        assertThat(its.translate(1, 4)).isEqualTo(new Mapped(8201, 5));
        guest.post(new ItsCommand.MapD(1, 5, guest.layout.itt(1), true));
        assertThat(its.translate(1, 4)).isEqualTo(Translation.notMapped(Reason.EVENT));
        guest.post(new ItsCommand.MapTi(1, 4, 8201, 2), ItsCommand.MapD.unmap(1));
        assertThat(its.translate(1, 4)).isEqualTo(Translation.notMapped(Reason.DEVICE));
        assertThat(its.translations()).isEmpty();
        assertThat(its.registers().counters().rejected()).isZero();
    }

    @Test
    void malformedAndRefusedCommandsAreCountedAndSkipped() {
        guest.postRaw(0x3F, 0, 0, 0); // unknown opcode
        guest.postRaw(CommandCodec.DISCARD, 0, 0, 1); // reserved bits in DW3
        guest.post(new ItsCommand.MapTi(2, 0, 8200, 0)); // device 2 not mapped
        guest.post(new ItsCommand.Inv(2, 0)); // event not mapped
        guest.post(new ItsCommand.MapD(64, 5, guest.layout.itt(1), true)); // DeviceID beyond the 64-entry table
        guest.mapOne(1, 3, 8200, 2, 5);
        guest.post(new ItsCommand.MapTi(1, 3, 8300, 2)); // already mapped
        assertThat(its.registers().counters()).isEqualTo(new ItsCounters(9, 6, 0, 0));
        assertThat(its.translate(1, 3)).isEqualTo(new Mapped(8200, 5));
        assertThat(its.registers().creadr())
                .isEqualTo(its.registers().cwriter())
                .isEqualTo(9 * 32);
    }

    @Test
    void mapdRefusesAnIttOutsideRamOrOverlappingAnother() {
        guest.post(new ItsCommand.MapD(1, 6, TestGuest.RAM - 256, true)); // 512 bytes from 256 before the end of RAM
        guest.post(new ItsCommand.MapD(2, 5, guest.layout.deviceTable(), true)); // over the device table
        guest.post(new ItsCommand.MapD(3, 8, 0x10_0000, true), new ItsCommand.MapD(4, 5, 0x10_0700, true));
        assertThat(its.translate(1, 0)).isEqualTo(Translation.notMapped(Reason.DEVICE));
        assertThat(its.translate(2, 0)).isEqualTo(Translation.notMapped(Reason.DEVICE));
        assertThat(its.translate(4, 0)).isEqualTo(Translation.notMapped(Reason.DEVICE));
        assertThat(its.registers().counters().rejected()).isEqualTo(3);
        guest.post(new ItsCommand.MapD(3, 5, 0x10_0000, true)); // a device may shrink its own ITT in place
        assertThat(its.registers().counters().rejected()).isEqualTo(3);
    }

    @Test
    void mapiUsesTheEventIdAsLpiSoItMustBeOne() {
        guest.post(
                new ItsCommand.MapD(1, 14, 0x10_0000, true),
                new ItsCommand.MapC(0, 3, true),
                new ItsCommand.MapI(1, 8500, 0),
                new ItsCommand.MapI(1, 5, 0));
        assertThat(its.translate(1, 8500)).isEqualTo(new Mapped(8500, 3));
        assertThat(its.translate(1, 5)).isEqualTo(Translation.notMapped(Reason.EVENT));
        assertThat(its.registers().counters().rejected()).isEqualTo(1);
    }

    @Test
    void theQueueWrapsAround() {
        int slots = ItsLayout.QUEUE_BYTES / ItsLimits.COMMAND_BYTES;
        guest.post(new ItsCommand.MapD(1, 5, guest.layout.itt(1), true));
        for (int i = 0; i < 2 * slots + 5; i++) {
            guest.post(new ItsCommand.Sync(i % ItsLimits.TARGET_VCPUS));
        }
        guest.post(new ItsCommand.MapC(0, 4, true), new ItsCommand.MapTi(1, 0, 9000, 0));
        assertThat(its.registers().counters()).isEqualTo(new ItsCounters(2L * slots + 8, 0, 0, 0));
        assertThat(its.registers().creadr()).isEqualTo(8 * ItsLimits.COMMAND_BYTES);
        assertThat(its.translate(1, 0)).isEqualTo(new Mapped(9000, 4));
    }

    @Test
    void aBadCwriterIsRefusedAndChangesNothing() {
        guest.mapOne(1, 3, 8200, 2, 5);
        ItsRegisters before = its.registers();
        assertThatThrownBy(() -> its.writeCwriter(17))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CWRITER 0x11 is not a 32-byte aligned offset");
        assertThatThrownBy(() -> its.writeCwriter(ItsLayout.QUEUE_BYTES)).isInstanceOf(IllegalArgumentException.class);
        assertThat(its.registers()).isEqualTo(before);
    }

    @Test
    void msisAreCountedAsDeliveredOrDropped() {
        guest.mapOne(1, 3, 8200, 2, 5);
        assertThat(its.signalMsi(1, 3)).isEqualTo(new Mapped(8200, 5));
        assertThat(its.signalMsi(1, 4)).isEqualTo(Translation.notMapped(Reason.EVENT));
        assertThat(its.signalMsi(1, 3)).isInstanceOf(Mapped.class);
        assertThat(its.registers().counters()).isEqualTo(new ItsCounters(3, 0, 2, 1));
    }

    @Test
    void programmingChecksTheBasesAndIsRefusedWhileEnabled() {
        ItsDevice fresh = new ItsDevice(GuestMemory.of(TestGuest.RAM));
        ItsBases good = ItsDriver.bases(guest.layout);
        assertThatThrownBy(() ->
                        fresh.program(new ItsBases(TestGuest.RAM, 64, good.collectionTable(), 16, good.queue(), 4096)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device table [0x800000, +0x400) lies outside guest RAM");
        assertThatThrownBy(() ->
                        fresh.program(new ItsBases(good.queue(), 64, good.collectionTable(), 16, good.queue(), 4096)))
                .hasMessageContaining("overlaps the device table");
        assertThatThrownBy(() -> fresh.program(new ItsBases(0x100, 64, good.collectionTable(), 16, good.queue(), 4096)))
                .hasMessageContaining("is not 4 KiB aligned");
        assertThatThrownBy(fresh::enable).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> its.program(good))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only be programmed while it is disabled");
    }
}
