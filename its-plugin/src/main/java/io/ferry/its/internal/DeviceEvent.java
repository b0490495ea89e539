package io.ferry.its.internal;

/** An MSI source: an EventID of a DeviceID. */
public record DeviceEvent(int deviceId, int eventId) {}
