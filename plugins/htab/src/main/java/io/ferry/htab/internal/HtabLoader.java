package io.ferry.htab.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.htab.HtabGeometry;
import io.ferry.htab.HtabSection;
import io.ferry.machine.DirtyBitmap;
import io.ferry.pipeline.StageContext;
import java.nio.ByteBuffer;

/**
 * The destination half: checks the source's table geometry against this device's, then writes
 * groups into the table. Every group index of a chunk is checked before any group is written;
 * at LOAD_COMPLETE every group must have arrived at least once.
 */
final class HtabLoader {
    private final HtabDevice device;
    private final HtabGeometry geometry;
    private final DirtyBitmap arrived;
    private boolean headerSeen;

    HtabLoader(HtabDevice device) {
        this.device = device;
        this.geometry = device.geometry();
        this.arrived = new DirtyBitmap(geometry.groups());
    }

    void load(StageContext ctx, ByteBuffer payload) {
        checkArgument(payload.hasRemaining(), "empty htab chunk");
        byte kind = payload.get(payload.position());
        ByteBuffer p = payload.slice(); // big-endian, indexed from the kind byte
        switch (kind) {
            case HtabSection.HEADER -> checkHeader(p);
            case HtabSection.GROUPS -> loadGroups(p);
            default -> throw new IllegalArgumentException("unknown htab chunk kind " + kind);
        }
    }

    void complete(StageContext ctx) {
        checkState(headerSeen, "the stream carried no htab header");
        long missing = geometry.groups() - arrived.count();
        checkState(
                missing == 0,
                "htab: %s of %s groups never arrived (first: group %s)",
                missing,
                geometry.groups(),
                firstMissing());
    }

    private void checkHeader(ByteBuffer p) {
        checkArgument(
                p.remaining() == HtabSection.HEADER_BYTES,
                "htab header chunk has %s bytes, expected %s",
                p.remaining(),
                HtabSection.HEADER_BYTES);
        checkArgument(!headerSeen, "a second htab header arrived");
        long tableBytes = p.getLong(1);
        int entryBytes = p.getInt(9);
        int groupBytes = p.getInt(13);
        checkArgument(
                entryBytes == HtabGeometry.ENTRY_BYTES && groupBytes == HtabGeometry.GROUP_BYTES,
                "htab entries of %s bytes in groups of %s bytes, this device has %s in groups of %s",
                entryBytes,
                groupBytes,
                HtabGeometry.ENTRY_BYTES,
                HtabGeometry.GROUP_BYTES);
        checkArgument(
                tableBytes == geometry.tableBytes(),
                "source htab is %s bytes, destination's is %s bytes",
                tableBytes,
                geometry.tableBytes());
        headerSeen = true;
    }

    private void loadGroups(ByteBuffer p) {
        checkArgument(headerSeen, "htab groups arrived before the htab header");
        checkArgument(
                p.remaining() >= HtabSection.GROUPS_PREFIX,
                "htab groups chunk of %s bytes is truncated",
                p.remaining());
        long count = Integer.toUnsignedLong(p.getInt(1));
        long expected = HtabSection.GROUPS_PREFIX + count * HtabSection.GROUP_RECORD;
        checkArgument(
                count > 0 && p.remaining() == expected,
                "htab groups chunk declares %s groups (%s bytes) but has %s bytes",
                count,
                expected,
                p.remaining());
        for (int i = 0; i < count; i++) {
            int group = p.getInt(recordAt(i));
            checkArgument(
                    group >= 0 && group < geometry.groups(),
                    "htab group record %s: group %s outside the table's %s groups",
                    i,
                    Integer.toUnsignedString(group),
                    geometry.groups());
        }
        for (int i = 0; i < count; i++) {
            int group = p.getInt(recordAt(i));
            device.loadGroup(group, p, recordAt(i) + 4);
            arrived.set(group);
        }
    }

    private static int recordAt(int i) {
        return HtabSection.GROUPS_PREFIX + i * HtabSection.GROUP_RECORD;
    }

    private long firstMissing() {
        for (long g = 0; g < geometry.groups(); g++) {
            if (!arrived.get(g)) {
                return g;
            }
        }
        return -1;
    }
}
