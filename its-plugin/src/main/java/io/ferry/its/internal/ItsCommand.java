package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The commands this ITS understands, each what GICv3 defines, with field ranges checked on
 * construction (so a decoded command is well-formed). {@link CommandCodec} gives their 32-byte
 * form; {@link #applyTo} their effect on the cache.
 */
public sealed interface ItsCommand {
    /** Changes {@code cache}, or refuses the way GICv3 defines a command error. */
    void applyTo(ItsCache cache) throws InvalidMappingException;

    /** MAPD: maps DeviceID to an ITT of {@code 2^eventBits} entries, or ({@code valid == false}) unmaps it. */
    record MapD(int deviceId, int eventBits, long itt, boolean valid) implements ItsCommand {
        public MapD {
            checkDeviceId(deviceId);
            if (valid) {
                new DeviceMapping(itt, eventBits); // checks bits and alignment
                checkArgument(itt < 1L << 52, "ITT address 0x%s beyond 52 bits", Long.toHexString(itt));
            } else {
                checkArgument(
                        eventBits == 0 && itt == 0,
                        "MAPD with V=0 carries neither event bits (%s) nor an ITT (0x%s)",
                        eventBits,
                        Long.toHexString(itt));
            }
        }

        public static MapD unmap(int deviceId) {
            return new MapD(deviceId, 0, 0, false);
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            if (valid) {
                cache.mapDevice(deviceId, new DeviceMapping(itt, eventBits));
            } else {
                cache.unmapDevice(deviceId);
            }
        }
    }

    /** MAPC: maps collection ICID to target vCPU, or ({@code valid == false}) unmaps it. */
    record MapC(int collection, int vcpu, boolean valid) implements ItsCommand {
        public MapC {
            checkCollection(collection);
            checkVcpu(vcpu);
            checkArgument(valid || vcpu == 0, "MAPC with V=0 carries no target (vCPU %s)", vcpu);
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            if (valid) {
                cache.mapCollection(collection, vcpu);
            } else {
                cache.unmapCollection(collection);
            }
        }
    }

    /** MAPTI: maps (DeviceID, EventID) to LPI {@code intId} in collection ICID. */
    record MapTi(int deviceId, int eventId, int intId, int collection) implements ItsCommand {
        public MapTi {
            checkDeviceId(deviceId);
            checkEventId(eventId);
            new EventMapping(intId, collection); // checks the LPI range and ICID
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            cache.mapEvent(deviceId, eventId, new EventMapping(intId, collection));
        }
    }

    /** MAPI: MAPTI with the LPI equal to the EventID, so the EventID must be an LPI. */
    record MapI(int deviceId, int eventId, int collection) implements ItsCommand {
        public MapI {
            checkDeviceId(deviceId);
            checkEventId(eventId);
            checkCollection(collection);
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            if (eventId < ItsLimits.MIN_LPI || eventId >= ItsLimits.INTID_LIMIT) {
                throw new InvalidMappingException("MAPI: EventID " + eventId + " as pINTID is not an LPI");
            }
            cache.mapEvent(deviceId, eventId, new EventMapping(eventId, collection));
        }
    }

    /** MOVI: retargets a mapped event to another (mapped) collection. */
    record Movi(int deviceId, int eventId, int collection) implements ItsCommand {
        public Movi {
            checkDeviceId(deviceId);
            checkEventId(eventId);
            checkCollection(collection);
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            cache.moveEvent(deviceId, eventId, collection);
        }
    }

    /** DISCARD: unmaps a mapped event. */
    record Discard(int deviceId, int eventId) implements ItsCommand {
        public Discard {
            checkDeviceId(deviceId);
            checkEventId(eventId);
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            cache.discard(deviceId, eventId);
        }
    }

    /**
     * INV: re-reads an event's LPI configuration. This model caches no LPI configuration, so it
     * only checks the event is mapped, which GICv3 requires.
     */
    record Inv(int deviceId, int eventId) implements ItsCommand {
        public Inv {
            checkDeviceId(deviceId);
            checkEventId(eventId);
        }

        @Override
        public void applyTo(ItsCache cache) throws InvalidMappingException {
            cache.requireEvent(deviceId, eventId);
        }
    }

    /** SYNC: waits for earlier commands' effects on a vCPU; commands apply synchronously here, so it only checks the target. */
    record Sync(int vcpu) implements ItsCommand {
        public Sync {
            checkVcpu(vcpu);
        }

        @Override
        public void applyTo(ItsCache cache) {}
    }

    private static void checkDeviceId(int deviceId) {
        checkArgument(
                deviceId >= 0 && deviceId < ItsLimits.MAX_DEVICES,
                "DeviceID %s outside [0, %s)",
                Integer.toUnsignedString(deviceId),
                ItsLimits.MAX_DEVICES);
    }

    private static void checkEventId(int eventId) {
        checkArgument(
                eventId >= 0 && eventId < 1 << ItsLimits.MAX_EVENT_BITS,
                "EventID %s outside [0, %s)",
                Integer.toUnsignedString(eventId),
                1 << ItsLimits.MAX_EVENT_BITS);
    }

    private static void checkCollection(int collection) {
        checkArgument(
                collection >= 0 && collection < ItsLimits.MAX_COLLECTIONS,
                "ICID %s outside [0, %s)",
                collection,
                ItsLimits.MAX_COLLECTIONS);
    }

    private static void checkVcpu(int vcpu) {
        checkArgument(
                vcpu >= 0 && vcpu < ItsLimits.TARGET_VCPUS,
                "target vCPU %s outside [0, %s)",
                vcpu,
                ItsLimits.TARGET_VCPUS);
    }
}
