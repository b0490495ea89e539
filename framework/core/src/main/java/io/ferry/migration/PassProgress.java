package io.ferry.migration;

import com.google.common.collect.ImmutableMap;
import java.util.Map;

/**
 * Sent to listeners once per pass: after SETUP (pass 0), after each DIRTY_SYNC + ITERATE pass,
 * and after each switchover attempt (its completion pass; the figures carry the attempt's
 * {@link SwitchoverBreakdown}).
 *
 * @param pass the pass number
 * @param sectionBytes chunk payload bytes per section emitted in this pass, by section name
 * @param figures the migration's figures at the end of the pass
 */
public record PassProgress(int pass, Map<String, Long> sectionBytes, MigrationFigures figures) {
    public PassProgress {
        sectionBytes = ImmutableMap.copyOf(sectionBytes);
    }
}
