package io.ferry.cli;

import java.util.Map;

/**
 * QEMU 7.2's single-channel times for some of the bench's cases, quoted from
 * {@code ../shared/TOOLCHAIN.md}: measured on 2026-11-25 on this kind of machine (paused guest,
 * loopback TCP, both sides pre-faulted, median of 5), not in this run. A later series on the same
 * kind of machine (2026-11-29) measured QEMU several times slower, so these are a citation with a
 * date, never a ratio: the bench measures QEMU side by side when it is on the PATH.
 */
final class QemuReference {
    /** The day the quoted figures were measured. */
    static final String MEASURED_ON = "2026-11-25";
    /** Where they are quoted from. */
    static final String SOURCE = "../shared/TOOLCHAIN.md, QEMU 7.2, paused guest, median of 5";

    private static final Map<String, Long> MILLIS = Map.of(
            key(1L << 30, "random"), 380L,
            key(1L << 30, "zero"), 79L,
            key(4L << 30, "random"), 1698L,
            key(4L << 30, "half"), 1325L);

    private QemuReference() {}

    /** QEMU's quoted time for the case, or null where none was quoted. */
    static Long millis(long size, String content) {
        return MILLIS.get(key(size, content));
    }

    private static String key(long size, String content) {
        return size + "/" + content;
    }
}
