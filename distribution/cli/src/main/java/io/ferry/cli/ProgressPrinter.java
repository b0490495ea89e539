package io.ferry.cli;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.PassProgress;
import io.ferry.pipeline.Stage;
import io.ferry.shell.ProgressLine;
import java.io.PrintWriter;

/** Prints the stage order once, then the shell's progress line for each pass of a source migration. */
final class ProgressPrinter implements MigrationListener {
    private final PrintWriter out;

    ProgressPrinter(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void passCompleted(Migration migration, PassProgress p) {
        if (p.pass() == 0) {
            migration
                    .pipeline()
                    .ifPresent(pipeline -> out.printf(
                            "stage order: DIRTY_SYNC %s, COMPLETE %s%n",
                            pipeline.order(Stage.DIRTY_SYNC), pipeline.order(Stage.COMPLETE)));
        }
        out.println(ProgressLine.of(p));
        out.flush();
    }
}
