package io.ferry.its.internal;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The entries the ITS writes into guest RAM on a flush and reads back on a restore, all
 * little-endian. An unmapped entry is all zero; anything else without V set, or with a reserved
 * bit set, is corrupt.
 *
 * <pre>
 * device table entry (16 bytes): DW0 [63] V, [4:0] EventID bits - 1; DW1 ITT address
 * collection table entry (8):    [63] V, [15:0] target vCPU
 * ITT entry (8):                 [63] V, [47:32] ICID, [31:0] pINTID
 * </pre>
 */
final class TableFormat {
    static final long VALID = 1L << 63;
    private static final long DTE_BITS = 0x1FL;
    private static final long CTE_TARGET = 0xFFFFL;
    private static final long ITE_ICID = 0xFFFFL << 32;
    private static final long ITE_INTID = 0xFFFF_FFFFL;

    private TableFormat() {}

    static long dteWord0(DeviceMapping m) {
        return VALID | (m.eventBits() - 1);
    }

    static long cte(int vcpu) {
        return VALID | vcpu;
    }

    static long ite(EventMapping e) {
        return VALID | (long) e.collection() << 32 | e.intId();
    }

    static Optional<DeviceMapping> readDte(long dw0, long dw1) throws CorruptTableException {
        if (!checkEntry(dw0, dw1 == 0, VALID | DTE_BITS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DeviceMapping(dw1, (int) (dw0 & DTE_BITS) + 1));
        } catch (IllegalArgumentException e) {
            throw new CorruptTableException(e.getMessage());
        }
    }

    static OptionalInt readCte(long word) throws CorruptTableException {
        if (!checkEntry(word, true, VALID | CTE_TARGET)) {
            return OptionalInt.empty();
        }
        int vcpu = (int) (word & CTE_TARGET);
        if (vcpu >= ItsLimits.TARGET_VCPUS) {
            throw new CorruptTableException("target vCPU " + vcpu + " outside [0, " + ItsLimits.TARGET_VCPUS + ")");
        }
        return OptionalInt.of(vcpu);
    }

    static Optional<EventMapping> readIte(long word) throws CorruptTableException {
        if (!checkEntry(word, true, VALID | ITE_ICID | ITE_INTID)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new EventMapping((int) (word & ITE_INTID), (int) ((word & ITE_ICID) >>> 32)));
        } catch (IllegalArgumentException e) {
            throw new CorruptTableException(e.getMessage());
        }
    }

    /** Whether the entry is valid; throws if it is neither valid nor all zero, or has reserved bits set. */
    private static boolean checkEntry(long word, boolean restZero, long allowed) throws CorruptTableException {
        if ((word & VALID) == 0) {
            if (word != 0 || !restZero) {
                throw new CorruptTableException("entry without V has bits set");
            }
            return false;
        }
        long reserved = word & ~allowed;
        if (reserved != 0) {
            throw new CorruptTableException("reserved bits 0x" + Long.toHexString(reserved) + " set");
        }
        return true;
    }
}
