package io.ferry.cli;

import io.ferry.migration.Sizes;
import io.ferry.pipeline.Compression;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * One case of the bench: guest RAM size, its content, the source machine's state, the compression,
 * and the TCP channels per migration.
 */
record BenchCase(long size, BenchCase.Content content, BenchCase.State state, Compression compression, int channels) {
    /**
     * RAM contents: random pages; zero pages, zero-filled (so known zero at both ends and sent
     * unread); half of the pages zero-filled; zero pages written as ordinary bytes (so the sender
     * reads and checks each); pages half random and half zero.
     */
    enum Content {
        random("random"),
        zero("zero"),
        half("half"),
        writtenZero("written-zero"),
        compressible("compressible");

        private final String label;

        Content(String label) {
            this.label = label;
        }

        /** The content named {@code label} as users write it ("written-zero"). */
        static Content of(String label) {
            return Arrays.stream(values())
                    .filter(c -> c.label.equals(label))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown content '" + label + "' (one of "
                            + String.join(
                                    ", ",
                                    Arrays.stream(values())
                                            .map(Content::toString)
                                            .toList()) + ")"));
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The source machine during the migration: paused, or running with no workload. */
    enum State {
        paused,
        running
    }

    String label() {
        return sizeLabel(size) + " " + content + " " + state
                + (compression == Compression.none ? "" : " " + compression)
                + (channels == 1 ? "" : " " + channels + "ch");
    }

    /** A RAM size as the bench's labels write it: "1 GiB", "512 MiB", "1.5 GiB". */
    static String sizeLabel(long size) {
        return Sizes.format(size).replace(".0", "");
    }

    /** The median of {@code millis}: of an even count, the mean of the middle two, rounded half up. */
    static long median(long[] millis) {
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle] + 1) / 2;
    }

    /** {@code millis} in one phrase: "median 270 ms (min 220, max 656)". */
    static String spread(long[] millis) {
        return String.format(
                Locale.ROOT,
                "median %d ms (min %d, max %d)",
                median(millis),
                Arrays.stream(millis).min().orElseThrow(),
                Arrays.stream(millis).max().orElseThrow());
    }

    /** The median of {@code figure} over {@code runs}. */
    static <T> long median(List<T> runs, ToLongFunction<? super T> figure) {
        return median(runs.stream().mapToLong(figure).toArray());
    }

    /** MiB per second when {@code size} bytes took {@code millis}. */
    static double mibPerSecond(long size, long millis) {
        return (size / (double) (1 << 20)) / Math.max(1e-3, millis / 1000.0);
    }
}
