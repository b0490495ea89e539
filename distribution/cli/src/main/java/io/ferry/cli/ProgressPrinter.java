package io.ferry.cli;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.PassProgress;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.Stage;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.stream.Collectors;

/** Prints one line per pass of a source migration. */
final class ProgressPrinter implements MigrationListener {
    private final PrintWriter out;

    ProgressPrinter(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void passCompleted(Migration migration, PassProgress p) {
        if (p.pass() == 0) {
            migration.pipeline().ifPresent(pipeline -> {
                out.printf("stage order: DIRTY_SYNC %s, COMPLETE %s%n", pipeline.order(Stage.DIRTY_SYNC),
                        pipeline.order(Stage.COMPLETE));
            });
        }
        MigrationFigures f = p.figures();
        String sections = p.sectionBytes().entrySet().stream()
                .map(e -> e.getKey() + " " + Sizes.format(e.getValue()))
                .collect(Collectors.joining(", "));
        out.printf(Locale.ROOT, "pass %-3d %-8s sent [%s]  total %s  remaining %s  dirty %d pages/s  expected downtime %d ms%n",
                p.pass(), label(p.pass(), f), sections, Sizes.format(f.transferredBytes()),
                Sizes.format(f.remainingBytes()), f.dirtyPagesRate(), f.expectedDowntimeMillis());
        out.flush();
    }

    private static String label(int pass, MigrationFigures f) {
        if (pass == 0) {
            return "setup";
        }
        return pass > f.iterations() ? "complete" : "iterate";
    }
}
