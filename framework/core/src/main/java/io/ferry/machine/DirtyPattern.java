package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;

/** Which pages a {@link VcpuWorkload} dirties. */
public sealed interface DirtyPattern {

    /** Every page equally likely. */
    record Uniform() implements DirtyPattern {}

    /** Pages of the first {@code fraction} of guest RAM only (a working set). */
    record HotSet(double fraction) implements DirtyPattern {
        public HotSet {
            checkArgument(fraction > 0 && fraction <= 1, "hot-set fraction must be in (0, 1] but was %s", fraction);
        }
    }

    /** Pages in address order, wrapping around. */
    record Sequential() implements DirtyPattern {}

    /**
     * Parses {@code uniform}, {@code sequential}, {@code hot} (10% hot set) or
     * {@code hot:FRACTION}.
     */
    static DirtyPattern parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("uniform")) {
            return new Uniform();
        }
        if (t.equals("sequential")) {
            return new Sequential();
        }
        if (t.equals("hot")) {
            return new HotSet(0.1);
        }
        if (t.startsWith("hot:")) {
            try {
                return new HotSet(Double.parseDouble(t.substring(4)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad hot-set fraction in '" + text + "'", e);
            }
        }
        throw new IllegalArgumentException(
                "unknown dirty pattern '" + text + "': expected uniform, sequential, hot or hot:FRACTION");
    }
}
