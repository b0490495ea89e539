package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The ITS's authoritative mappings, as the in-kernel vITS keeps them: devices (DeviceID to ITT),
 * events (DeviceID, EventID to LPI and collection) and collections (ICID to vCPU). Guest RAM holds
 * a copy only after a flush. Every change is checked against the rules below, whether it comes
 * from a command or from tables read back from guest RAM, so a cache never holds a mapping the
 * tables could not represent:
 *
 * <ul>
 *   <li>DeviceIDs and ICIDs are below the programmed table sizes;
 *   <li>an ITT lies inside guest RAM and overlaps neither another device's ITT nor the ITS's own
 *       tables and queue (else one flush would overwrite another);
 *   <li>an event belongs to a mapped device and is below its EventID limit, mapped at most once.
 * </ul>
 *
 * Not thread-safe: its device guards it.
 */
final class ItsCache {
    private final ItsBases bases;
    private final long ramBytes;
    private final TreeMap<Integer, DeviceMapping> devices = new TreeMap<>();
    private final TreeMap<Long, Integer> ittOwners = new TreeMap<>();
    private final TreeMap<Long, EventMapping> events = new TreeMap<>();
    private final TreeMap<Integer, Integer> collections = new TreeMap<>();

    /** An empty cache for tables programmed as {@code bases} in guest RAM of {@code ramBytes}. */
    ItsCache(ItsBases bases, long ramBytes) {
        this.bases = checkNotNull(bases, "bases");
        this.ramBytes = ramBytes;
    }

    /** The key of an event in {@link #events()}: DeviceID in the high half, EventID in the low. */
    static long key(int deviceId, int eventId) {
        return ((long) deviceId << 32) | Integer.toUnsignedLong(eventId);
    }

    static int deviceOf(long key) {
        return (int) (key >>> 32);
    }

    static int eventOf(long key) {
        return (int) key;
    }

    ItsBases bases() {
        return bases;
    }

    /** Maps (or remaps) a device; a remap discards its events, as GICv3's MAPD does. */
    void mapDevice(int deviceId, DeviceMapping mapping) throws InvalidMappingException {
        checkDevice(deviceId);
        GuestRange itt = mapping.ittRange();
        if (!itt.within(ramBytes)) {
            throw new InvalidMappingException(
                    "ITT " + itt + " of device " + deviceId + " lies outside guest RAM of " + ramBytes + " bytes");
        }
        for (Map.Entry<String, GuestRange> own : bases.ownRanges().entrySet()) {
            if (itt.overlaps(own.getValue())) {
                throw new InvalidMappingException("ITT " + itt + " of device " + deviceId + " overlaps the "
                        + own.getKey() + " " + own.getValue());
            }
        }
        checkNoOtherItt(deviceId, itt);
        unmapDevice(deviceId);
        devices.put(deviceId, mapping);
        ittOwners.put(mapping.itt(), deviceId);
    }

    /** Unmaps a device and every event it had; unmapping an unmapped device does nothing. */
    void unmapDevice(int deviceId) throws InvalidMappingException {
        checkDevice(deviceId);
        DeviceMapping old = devices.remove(deviceId);
        if (old != null) {
            ittOwners.remove(old.itt());
            events.subMap(key(deviceId, 0), true, key(deviceId, -1), true).clear();
        }
    }

    void mapCollection(int collection, int vcpu) throws InvalidMappingException {
        checkCollection(collection);
        if (vcpu < 0 || vcpu >= ItsLimits.TARGET_VCPUS) {
            throw new InvalidMappingException("target vCPU " + vcpu + " outside [0, " + ItsLimits.TARGET_VCPUS + ")");
        }
        collections.put(collection, vcpu);
    }

    /** Unmaps a collection; its events stay, untranslatable until it is mapped again. */
    void unmapCollection(int collection) throws InvalidMappingException {
        checkCollection(collection);
        collections.remove(collection);
    }

    void mapEvent(int deviceId, int eventId, EventMapping mapping) throws InvalidMappingException {
        DeviceMapping device = requireDevice(deviceId);
        if (eventId < 0 || eventId >= device.events()) {
            throw new InvalidMappingException(
                    "EventID " + eventId + " outside device " + deviceId + "'s " + device.events() + " events");
        }
        checkCollection(mapping.collection());
        if (events.containsKey(key(deviceId, eventId))) {
            throw new InvalidMappingException("event " + deviceId + ":" + eventId + " is already mapped");
        }
        events.put(key(deviceId, eventId), mapping);
    }

    /** Retargets a mapped event to a mapped collection (MOVI). */
    void moveEvent(int deviceId, int eventId, int collection) throws InvalidMappingException {
        EventMapping old = requireEvent(deviceId, eventId);
        checkCollection(collection);
        if (!collections.containsKey(collection)) {
            throw new InvalidMappingException("collection " + collection + " is not mapped");
        }
        events.put(key(deviceId, eventId), new EventMapping(old.intId(), collection));
    }

    void discard(int deviceId, int eventId) throws InvalidMappingException {
        requireEvent(deviceId, eventId);
        events.remove(key(deviceId, eventId));
    }

    EventMapping requireEvent(int deviceId, int eventId) throws InvalidMappingException {
        requireDevice(deviceId);
        EventMapping e = events.get(key(deviceId, eventId));
        if (e == null) {
            throw new InvalidMappingException("event " + deviceId + ":" + eventId + " is not mapped");
        }
        return e;
    }

    Translation translate(int deviceId, int eventId) {
        if (!devices.containsKey(deviceId)) {
            return Translation.notMapped(Translation.Reason.DEVICE);
        }
        EventMapping e = events.get(key(deviceId, eventId));
        if (e == null) {
            return Translation.notMapped(Translation.Reason.EVENT);
        }
        Integer vcpu = collections.get(e.collection());
        return vcpu == null
                ? Translation.notMapped(Translation.Reason.COLLECTION)
                : new Translation.Mapped(e.intId(), vcpu);
    }

    SortedMap<Integer, DeviceMapping> devices() {
        return Collections.unmodifiableSortedMap(devices);
    }

    /** Events by {@link #key}: by DeviceID, then EventID. */
    SortedMap<Long, EventMapping> events() {
        return Collections.unmodifiableSortedMap(events);
    }

    SortedMap<Integer, Integer> collections() {
        return Collections.unmodifiableSortedMap(collections);
    }

    private DeviceMapping requireDevice(int deviceId) throws InvalidMappingException {
        checkDevice(deviceId);
        DeviceMapping d = devices.get(deviceId);
        if (d == null) {
            throw new InvalidMappingException("device " + deviceId + " is not mapped");
        }
        return d;
    }

    /** ITTs are disjoint, so walking down from the last one starting before {@code itt}'s end finds every overlap. */
    private void checkNoOtherItt(int deviceId, GuestRange itt) throws InvalidMappingException {
        NavigableMap<Long, Integer> before = ittOwners.headMap(itt.end(), false).descendingMap();
        for (Map.Entry<Long, Integer> e : before.entrySet()) {
            GuestRange other = devices.get(e.getValue()).ittRange();
            if (!other.overlaps(itt)) {
                return;
            }
            if (e.getValue() != deviceId) {
                throw new InvalidMappingException("ITT " + itt + " of device " + deviceId + " overlaps device "
                        + e.getValue() + "'s ITT " + other);
            }
        }
    }

    private void checkDevice(int deviceId) throws InvalidMappingException {
        if (deviceId < 0 || deviceId >= bases.devices()) {
            throw new InvalidMappingException(
                    "DeviceID " + deviceId + " outside the device table's " + bases.devices() + " entries");
        }
    }

    private void checkCollection(int collection) throws InvalidMappingException {
        if (collection < 0 || collection >= bases.collections()) {
            throw new InvalidMappingException(
                    "ICID " + collection + " outside the collection table's " + bases.collections() + " entries");
        }
    }
}
