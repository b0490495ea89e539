package io.ferry.shell;

import io.ferry.migration.MigrationFigures;
import io.ferry.migration.PassProgress;
import io.ferry.migration.Sizes;
import java.util.Locale;
import java.util.stream.Collectors;

/** The one progress line per pass that the shell and the command line draw. */
public final class ProgressLine {
    private static final int BAR = 24;

    private ProgressLine() {}

    /**
     * A bar of transferred / (transferred + remaining), the pass and its kind, the figures, and
     * the bytes each section sent in the pass.
     */
    public static String of(PassProgress p) {
        MigrationFigures f = p.figures();
        long total = f.transferredBytes() + f.remainingBytes();
        int filled = total == 0 ? BAR : (int) (BAR * f.transferredBytes() / total);
        String sections = p.sectionBytes().entrySet().stream()
                .map(e -> e.getKey() + " " + Sizes.format(e.getValue()))
                .collect(Collectors.joining(", "));
        return String.format(
                Locale.ROOT,
                "[%s%s] pass %-3d %-8s transferred %-10s remaining %-10s dirty %6d pages/s  expected downtime %d ms  sent [%s]",
                "#".repeat(filled),
                ".".repeat(BAR - filled),
                p.pass(),
                kind(p),
                Sizes.format(f.transferredBytes()),
                Sizes.format(f.remainingBytes()),
                f.dirtyPagesRate(),
                f.expectedDowntimeMillis(),
                sections);
    }

    /** setup (pass 0), iterate (while the machine runs) or complete (the final pass). */
    public static String kind(PassProgress p) {
        if (p.pass() == 0) {
            return "setup";
        }
        return p.pass() > p.figures().iterations() ? "complete" : "iterate";
    }
}
