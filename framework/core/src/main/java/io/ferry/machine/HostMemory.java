package io.ferry.machine;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * What this process can still give guest RAM: the direct-memory limit of the JVM and, on Linux,
 * the memory the host has available. Checked before allocating, so a size that cannot fit is a
 * clear error instead of an OutOfMemoryError or the OOM killer.
 */
final class HostMemory {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private HostMemory() {}

    /** How long a check that fails waits for the collector to free unreachable direct memory. */
    private static final Duration RECLAIM_WAIT = Duration.ofSeconds(1);

    private static final Duration RECLAIM_POLL = Duration.ofMillis(10);

    /** @throws GuestMemoryTooLargeException naming the limit {@code bytes} exceeds */
    static void checkFits(long bytes) {
        checkFits(bytes, maxDirect());
    }

    /** As {@link #checkFits(long)} against a direct-memory limit of {@code maxDirect} bytes. */
    static void checkFits(long bytes, long maxDirect) {
        if (!fits(bytes, maxDirect) && reclaimCouldHelp(bytes, maxDirect)) {
            reclaim(bytes, maxDirect);
        }
        long directLeft = maxDirect - directUsed();
        if (bytes > directLeft) {
            throw new GuestMemoryTooLargeException(String.format(
                    Locale.ROOT,
                    "guest RAM of %s does not fit: this JVM may allocate %s more direct memory "
                            + "(-XX:MaxDirectMemorySize, %s in use)",
                    mib(bytes),
                    mib(Math.max(0, directLeft)),
                    mib(directUsed())));
        }
        OptionalLong available = available();
        if (available.isPresent() && bytes > available.getAsLong()) {
            throw new GuestMemoryTooLargeException(String.format(
                    Locale.ROOT,
                    "guest RAM of %s does not fit: the host has %s available (MemAvailable in %s)",
                    mib(bytes),
                    mib(available.getAsLong()),
                    MEMINFO));
        }
    }

    private static boolean fits(long bytes, long maxDirect) {
        OptionalLong available = available();
        return bytes <= maxDirect - directUsed() && (available.isEmpty() || bytes <= available.getAsLong());
    }

    /** Whether freeing all direct memory now in use could make {@code bytes} fit. */
    private static boolean reclaimCouldHelp(long bytes, long maxDirect) {
        OptionalLong available = available();
        return bytes <= maxDirect && (available.isEmpty() || bytes <= available.getAsLong() + directUsed());
    }

    /**
     * Guest RAM dropped without closing its machine (a program that builds {@link GuestMemory}
     * itself, as {@code ferry bench} does) stays allocated until the collector finds it: asks for a
     * collection and waits for the cleaners (at most {@link #RECLAIM_WAIT} after the collection, for
     * each block checked), as the JDK does before it refuses a direct allocation, so such memory is
     * not counted against the next machine. An interrupt ends the wait (the flag stays set).
     */
    private static void reclaim(long bytes, long maxDirect) {
        System.gc();
        long deadline = System.nanoTime() + RECLAIM_WAIT.toNanos();
        while (!fits(bytes, maxDirect) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(RECLAIM_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The JVM's direct-memory limit: -XX:MaxDirectMemorySize, else (the JDK's default) the maximum heap. */
    static long maxDirect() {
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:MaxDirectMemorySize=")) {
                return parseSize(arg.substring("-XX:MaxDirectMemorySize=".length()));
            }
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static long directUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    /** MemAvailable from /proc/meminfo, if this is Linux. */
    static OptionalLong available() {
        try {
            for (String line : Files.readAllLines(MEMINFO, StandardCharsets.US_ASCII)) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.substring("MemAvailable:".length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(f[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: only the JVM's own limit applies
        }
        return OptionalLong.empty();
    }

    private static long parseSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        return Long.parseLong(digits) * unit;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
