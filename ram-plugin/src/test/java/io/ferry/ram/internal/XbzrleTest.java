package io.ferry.ram.internal;

import static io.ferry.machine.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.ram.MalformedRamChunkException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class XbzrleTest {
    /** Whatever changed, a delta that fits its limit turns the old page into the new one. */
    @Property(tries = 500)
    void aDeltaTurnsTheOldPageIntoTheNew(
            @ForAll long seed,
            @ForAll @Size(max = 40) List<@IntRange(min = 0, max = PAGE_SIZE - 1) Integer> changes,
            @ForAll @IntRange(min = 1, max = 64) int span) {
        Random random = new Random(seed);
        ByteBuffer old = randomPage(random);
        ByteBuffer next = copy(old);
        for (int at : changes) {
            for (int i = at; i < Math.min(PAGE_SIZE, at + span); i++) {
                next.put(i, (byte) random.nextInt());
            }
        }
        ByteBuffer delta = ByteBuffer.allocateDirect(PAGE_SIZE * 2);
        int n = Xbzrle.encode(old, next, PAGE_SIZE, delta, PAGE_SIZE * 2);
        assertThat(n).isGreaterThanOrEqualTo(0);
        ByteBuffer page = copy(old);
        Xbzrle.decode(delta.flip(), page, PAGE_SIZE);
        assertThat(page.clear()).isEqualTo(next.clear());
    }

    @Test
    void anUnchangedPageEncodesToNothingAndOneChangedWordToAFewBytes() {
        ByteBuffer old = randomPage(new Random(1));
        ByteBuffer out = ByteBuffer.allocateDirect(PAGE_SIZE);
        assertThat(Xbzrle.encode(old, copy(old), PAGE_SIZE, out, PAGE_SIZE)).isZero();
        ByteBuffer next = copy(old).putLong(2000, 0x1122334455667788L);
        assertThat(Xbzrle.encode(old, next, PAGE_SIZE, out.clear(), PAGE_SIZE)).isBetween(3, 2 + 2 + 8);
    }

    @Test
    void aDeltaOverItsLimitIsRefusedAndWritesNothing() {
        ByteBuffer old = randomPage(new Random(2));
        ByteBuffer next = randomPage(new Random(3));
        ByteBuffer out = ByteBuffer.allocateDirect(PAGE_SIZE);
        out.position(10);
        assertThat(Xbzrle.encode(old, next, PAGE_SIZE, out, PAGE_SIZE / 2)).isEqualTo(-1);
        assertThat(out.position()).isEqualTo(10);
    }

    /** Any bytes as a delta: decoding either stays inside the page or refuses; never a byte past it. */
    @Property(tries = 500)
    void garbageNeverReachesPastThePage(@ForAll @Size(max = 64) byte[] garbage) {
        ByteBuffer area = ByteBuffer.allocate(PAGE_SIZE + 64);
        ByteBuffer page = area.duplicate().limit(PAGE_SIZE);
        try {
            Xbzrle.decode(ByteBuffer.wrap(garbage), page, PAGE_SIZE);
        } catch (MalformedRamChunkException refused) {
            // fine: refused
        }
        for (int i = PAGE_SIZE; i < area.capacity(); i++) {
            assertThat(area.get(i)).as("byte %s past the page", i).isZero();
        }
    }

    @Test
    void aDeltaThatReachesPastThePageIsRefused() {
        ByteBuffer delta = ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x1F, 2, 1, 2}); // skip 4095, then 2 bytes
        assertThatThrownBy(() -> Xbzrle.decode(delta, ByteBuffer.allocate(PAGE_SIZE), PAGE_SIZE))
                .isInstanceOf(MalformedRamChunkException.class)
                .hasMessageContaining("reaches past its page");
    }

    private static ByteBuffer randomPage(Random random) {
        byte[] b = new byte[PAGE_SIZE];
        random.nextBytes(b);
        return ByteBuffer.allocateDirect(PAGE_SIZE).put(b).clear();
    }

    private static ByteBuffer copy(ByteBuffer page) {
        return ByteBuffer.allocateDirect(PAGE_SIZE).put(0, page, 0, PAGE_SIZE).clear();
    }
}
