package io.ferry.cli;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import java.util.Locale;

/** The end-of-migration report of {@code ferry incoming} and {@code ferry migrate}. */
final class Reports {
    private Reports() {}

    /** The side and status, why it failed if it did, then every figure as QEMU's {@code info migrate}. */
    static String figures(Migration m, MigrationFigures f) {
        String head = m.side().name().toLowerCase(Locale.ROOT) + " migration: " + f.status();
        String error =
                m.failure().map(e -> "\nerror:              " + e.getMessage()).orElse("");
        return head + error + "\n" + f.report();
    }
}
