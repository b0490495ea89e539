package io.ferry.its.internal;

import com.google.common.collect.ImmutableMap;
import java.util.Map;

/**
 * The 32-byte command format: four little-endian double words DW0..DW3, laid out as GICv3's:
 *
 * <pre>
 * DW0 [7:0] opcode, [63:32] DeviceID (device commands)
 * DW1 MAPD [4:0] EventID bits - 1 | MAPTI [31:0] EventID, [63:32] pINTID | MAPI MOVI DISCARD INV [31:0] EventID
 * DW2 MAPD [51:8] ITT address, [63] V | MAPC [15:0] ICID, [50:16] target vCPU, [63] V
 *     MAPTI MAPI MOVI [15:0] ICID | SYNC [50:16] target vCPU
 * DW3 zero
 * </pre>
 *
 * Stricter than GICv3, which leaves reserved bits RES0: any reserved bit set makes the command
 * malformed, so a corrupt queue entry is refused rather than half-read.
 */
public final class CommandCodec {
    public static final int MOVI = 0x01;
    public static final int SYNC = 0x05;
    public static final int MAPD = 0x08;
    public static final int MAPC = 0x09;
    public static final int MAPTI = 0x0A;
    public static final int MAPI = 0x0B;
    public static final int INV = 0x0C;
    public static final int DISCARD = 0x0F;

    private static final long V = 1L << 63;
    private static final long OPCODE = 0xFFL;
    private static final long WITH_DEVICE = 0xFFFF_FFFF_0000_00FFL;
    private static final long LOW32 = 0xFFFF_FFFFL;
    private static final long ICID = 0xFFFFL;
    private static final long TARGET = 0x0007_FFFF_FFFF_0000L;
    private static final long ITT = 0x000F_FFFF_FFFF_FF00L;

    /** Bits each double word may have set, per opcode. */
    private static final Map<Integer, long[]> ALLOWED = ImmutableMap.<Integer, long[]>builder()
            .put(MAPD, new long[] {WITH_DEVICE, 0x1F, V | ITT, 0})
            .put(MAPC, new long[] {OPCODE, 0, V | TARGET | ICID, 0})
            .put(MAPTI, new long[] {WITH_DEVICE, -1L, ICID, 0})
            .put(MAPI, new long[] {WITH_DEVICE, LOW32, ICID, 0})
            .put(MOVI, new long[] {WITH_DEVICE, LOW32, ICID, 0})
            .put(DISCARD, new long[] {WITH_DEVICE, LOW32, 0, 0})
            .put(INV, new long[] {WITH_DEVICE, LOW32, 0, 0})
            .put(SYNC, new long[] {OPCODE, 0, TARGET, 0})
            .build();

    private static final Map<Integer, String> NAMES = ImmutableMap.<Integer, String>builder()
            .put(MAPD, "MAPD")
            .put(MAPC, "MAPC")
            .put(MAPTI, "MAPTI")
            .put(MAPI, "MAPI")
            .put(MOVI, "MOVI")
            .put(DISCARD, "DISCARD")
            .put(INV, "INV")
            .put(SYNC, "SYNC")
            .build();

    private CommandCodec() {}

    /** The four double words of {@code command}. */
    public static long[] encode(ItsCommand command) {
        if (command instanceof ItsCommand.MapD c) {
            long dw2 = c.valid() ? V | c.itt() : 0;
            return words(MAPD, c.deviceId(), c.valid() ? c.eventBits() - 1 : 0, dw2);
        } else if (command instanceof ItsCommand.MapC c) {
            return new long[] {MAPC, 0, (c.valid() ? V : 0) | (long) c.vcpu() << 16 | c.collection(), 0};
        } else if (command instanceof ItsCommand.MapTi c) {
            return words(MAPTI, c.deviceId(), (long) c.intId() << 32 | c.eventId(), c.collection());
        } else if (command instanceof ItsCommand.MapI c) {
            return words(MAPI, c.deviceId(), c.eventId(), c.collection());
        } else if (command instanceof ItsCommand.Movi c) {
            return words(MOVI, c.deviceId(), c.eventId(), c.collection());
        } else if (command instanceof ItsCommand.Discard c) {
            return words(DISCARD, c.deviceId(), c.eventId(), 0);
        } else if (command instanceof ItsCommand.Inv c) {
            return words(INV, c.deviceId(), c.eventId(), 0);
        } else if (command instanceof ItsCommand.Sync c) {
            return new long[] {SYNC, 0, (long) c.vcpu() << 16, 0};
        }
        throw new AssertionError("unknown command " + command);
    }

    /**
     * Decodes one queue entry.
     *
     * @throws MalformedCommandException naming the opcode and what is wrong with it
     */
    public static ItsCommand decode(long[] dw) throws MalformedCommandException {
        int opcode = (int) (dw[0] & OPCODE);
        long[] allowed = ALLOWED.get(opcode);
        if (allowed == null) {
            throw new MalformedCommandException("unknown command opcode 0x" + Integer.toHexString(opcode));
        }
        String name = NAMES.get(opcode);
        for (int i = 0; i < 4; i++) {
            long reserved = dw[i] & ~allowed[i];
            if (reserved != 0) {
                throw new MalformedCommandException(
                        name + ": reserved bits 0x" + Long.toHexString(reserved) + " set in DW" + i);
            }
        }
        try {
            return build(opcode, dw);
        } catch (IllegalArgumentException e) {
            throw new MalformedCommandException(name + ": " + e.getMessage());
        }
    }

    private static ItsCommand build(int opcode, long[] dw) {
        int device = (int) (dw[0] >>> 32);
        int event = (int) dw[1];
        int icid = (int) (dw[2] & ICID);
        boolean valid = (dw[2] & V) != 0;
        return switch (opcode) {
            case MAPD -> new ItsCommand.MapD(device, valid ? (int) dw[1] + 1 : (int) dw[1], dw[2] & ITT, valid);
            case MAPC -> new ItsCommand.MapC(icid, target(dw[2]), valid);
            case MAPTI -> new ItsCommand.MapTi(device, event, (int) (dw[1] >>> 32), icid);
            case MAPI -> new ItsCommand.MapI(device, event, icid);
            case MOVI -> new ItsCommand.Movi(device, event, icid);
            case DISCARD -> new ItsCommand.Discard(device, event);
            case INV -> new ItsCommand.Inv(device, event);
            case SYNC -> new ItsCommand.Sync(target(dw[2]));
            default -> throw new AssertionError("opcode 0x" + Integer.toHexString(opcode) + " has no decoder");
        };
    }

    /** DW2's 35-bit target field as an int; a value beyond int range is out of range for any ITS. */
    private static int target(long dw2) {
        long value = (dw2 & TARGET) >>> 16;
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("target vCPU " + value + " outside [0, " + ItsLimits.TARGET_VCPUS + ")");
        }
        return (int) value;
    }

    private static long[] words(int opcode, int deviceId, long dw1, long dw2) {
        return new long[] {opcode | (long) deviceId << 32, dw1, dw2, 0};
    }
}
