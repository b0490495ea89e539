package io.ferry.htab.internal;

import static com.google.common.base.Preconditions.checkNotNull;

import io.ferry.htab.HtabGeometry;
import io.ferry.machine.Device;
import io.ferry.machine.DirtyLog;
import io.ferry.machine.Machine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * A hashed page table held off-heap (one direct buffer, outside guest RAM), rewritten entry by
 * entry by a guest workload on a vCPU of its own. It logs which groups of entries changed in a
 * {@link DirtyLog} over its groups, marked after each write, for the migration to send them.
 *
 * <p>The table is only ever accessed with absolute gets and puts, which change no buffer state,
 * so the vCPU and the migration thread can share it.
 */
final class HtabDevice implements Device {
    static final String ID = "htab0";
    static final String UPDATER_VCPU = "htab-updater";
    private static final int DIGEST_PIECE = 64 << 10;

    private final HtabGeometry geometry;
    private final ByteBuffer table;
    private final DirtyLog changed;
    private final AtomicLong updates = new AtomicLong();

    private HtabDevice(String machine, HtabGeometry geometry) {
        this.geometry = checkNotNull(geometry, "geometry");
        this.table = ByteBuffer.allocateDirect((int) geometry.tableBytes()).order(ByteOrder.LITTLE_ENDIAN);
        this.changed = new DirtyLog(machine + "-" + ID, geometry.groups());
    }

    /** Attaches a table filled with pseudo-random entries from {@code seed}, rewritten at the configured rate while the machine runs. */
    static HtabDevice attachToSource(Machine machine, HtabConfig config, long seed) {
        HtabDevice d = new HtabDevice(machine.name(), config.geometry());
        d.fill(new SplittableRandom(seed));
        d.attach(machine, config, seed + 1);
        return d;
    }

    /** Attaches an empty table for a migration to fill; its workload runs once the machine does. */
    static HtabDevice attachToDestination(Machine machine, HtabConfig config) {
        HtabDevice d = new HtabDevice(machine.name(), config.geometry());
        d.attach(machine, config, machine.name().hashCode());
        return d;
    }

    private void attach(Machine machine, HtabConfig config, long seed) {
        machine.attach(this);
        machine.startVcpu(UPDATER_VCPU, config.updatesPerSecond(), new HtabUpdater(this, seed));
    }

    private void fill(SplittableRandom random) {
        for (int at = 0; at < table.capacity(); at += Long.BYTES) {
            table.putLong(at, random.nextLong());
        }
    }

    @Override
    public String id() {
        return ID;
    }

    HtabGeometry geometry() {
        return geometry;
    }

    /** Groups changed since the log was last drained; marks are kept only while it is enabled. */
    DirtyLog changedGroups() {
        return changed;
    }

    /** Entries rewritten so far. */
    long updates() {
        return updates.get();
    }

    /** The vCPU path: rewrites entry {@code entry}, then marks its group. */
    void update(long entry, long word0, long word1) {
        int at = Math.toIntExact(entry * HtabGeometry.ENTRY_BYTES);
        table.putLong(at, word0);
        table.putLong(at + Long.BYTES, word1);
        changed.mark(geometry.groupOf(entry));
        updates.incrementAndGet();
    }

    /** Copies group {@code group} to {@code dst} at its position, advancing it. */
    void copyGroup(int group, ByteBuffer dst) {
        dst.put(dst.position(), table, group * HtabGeometry.GROUP_BYTES, HtabGeometry.GROUP_BYTES);
        dst.position(dst.position() + HtabGeometry.GROUP_BYTES);
    }

    /** Overwrites group {@code group} with the bytes of {@code src} from {@code at}. */
    void loadGroup(int group, ByteBuffer src, int at) {
        table.put(group * HtabGeometry.GROUP_BYTES, src, at, HtabGeometry.GROUP_BYTES);
    }

    /** The table size and a digest of every entry: CRC32C per 64 KiB folded into SHA-256. */
    @Override
    public String stateFingerprint() {
        MessageDigest sha = sha256();
        sha.update(Long.toString(geometry.tableBytes()).getBytes(StandardCharsets.US_ASCII));
        CRC32C crc = new CRC32C();
        ByteBuffer word = ByteBuffer.allocate(Integer.BYTES);
        for (int at = 0; at < table.capacity(); at += DIGEST_PIECE) {
            crc.reset();
            crc.update(table.duplicate()
                    .limit(Math.min(table.capacity(), at + DIGEST_PIECE))
                    .position(at));
            sha.update(word.putInt(0, (int) crc.getValue()).clear());
        }
        return "htab[" + geometry.tableBytes() + " bytes, " + HexFormat.of().formatHex(sha.digest()) + "]";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "HtabDevice[" + geometry.tableBytes() + " bytes, " + updates() + " updates]";
    }
}
