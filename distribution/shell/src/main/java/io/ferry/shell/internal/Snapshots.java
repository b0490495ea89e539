package io.ferry.shell.internal;

import static com.google.common.base.Preconditions.checkState;

import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationStatus;
import io.ferry.shell.internal.ShellSession.Begun;
import io.ferry.shell.internal.Views.SnapshotOutcome;
import io.ferry.transport.IncomingEndpoint;
import io.ferry.transport.MigrationUri;
import io.ferry.transport.Transports;
import java.io.IOException;

/** {@code ferry:snapshot} and {@code ferry:restore}: a migration to or from a file, waited for. */
final class Snapshots {
    private Snapshots() {}

    /** Pauses the machine, saves it to {@code file}, and puts it back in its run state, whatever the outcome. */
    static SnapshotOutcome save(ShellSession session, MigrationUri.File file) {
        Begun b = session.startFromSource(file.toString(), true, (mg, m, p, t) -> mg.migrate(m, file, p, t));
        MigrationFigures f = b.migration().awaitEnd();
        b.machine().changeRunState(b.before()); // the migration has released the machine by the time it is terminal
        checkState(
                f.status() == MigrationStatus.COMPLETED,
                "snapshot failed: %s",
                b.migration().failure());
        return new SnapshotOutcome(
                true,
                file.toString(),
                b.machine().memory().size(),
                f.totalMillis(),
                f.transferredBytes(),
                b.machine().runState());
    }

    /** Loads {@code file} into the local machine, which must be an incoming one. */
    static SnapshotOutcome restore(ShellSession session, MigrationUri.File file) throws IOException {
        IncomingEndpoint endpoint = Transports.listen(file, session.parameters().transport()); // bounded open of a pipe
        Begun b;
        try {
            b = session.startIntoIncoming(file.toString(), (mg, m, p, t) -> mg.incoming(m, endpoint, p, t));
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
        MigrationFigures f = b.migration().awaitEnd();
        checkState(
                f.status() == MigrationStatus.COMPLETED,
                "restore failed: %s",
                b.migration().failure());
        return new SnapshotOutcome(
                false,
                file.toString(),
                b.machine().memory().size(),
                f.totalMillis(),
                f.transferredBytes(),
                b.machine().runState());
    }
}
