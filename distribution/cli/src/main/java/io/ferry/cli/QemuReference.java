package io.ferry.cli;

import java.util.Map;

/**
 * QEMU 7.2's single-channel times for the bench's cases, measured on this kind of machine
 * (paused guest, loopback TCP, median of 5; ../shared/TOOLCHAIN.md). Printed beside Ferry's own
 * figures so a run shows the ratio; they are a citation, not a measurement of this run.
 */
final class QemuReference {
    private static final Map<String, Long> MILLIS = Map.of(
            key(1L << 30, "random"), 380L,
            key(1L << 30, "zero"), 79L,
            key(4L << 30, "random"), 1698L,
            key(4L << 30, "half"), 1325L);

    private QemuReference() {}

    /** QEMU's time for the case, or null where none was measured. */
    static Long millis(long size, String content) {
        return MILLIS.get(key(size, content));
    }

    private static String key(long size, String content) {
        return size + "/" + content;
    }
}
