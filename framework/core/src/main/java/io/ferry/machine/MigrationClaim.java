package io.ferry.machine;

/**
 * A migration's exclusive hold on a machine: while it is held, only the holder changes the run
 * state (a stray "resume" during the switchover would let vCPUs write pages nobody sends), and no
 * second migration can start (two would share, and disable, one dirty log). Taken by
 * {@link Machine#claimForMigration}; released by {@link #close()}.
 */
public final class MigrationClaim implements AutoCloseable {
    private final Machine machine;
    private final String holder;

    MigrationClaim(Machine machine, String holder) {
        this.machine = machine;
        this.holder = holder;
    }

    /** Who holds the machine, for messages: such as "migration to tcp:127.0.0.1:4444". */
    public String holder() {
        return holder;
    }

    /** Changes the run state on behalf of the holder. */
    public void changeRunState(RunState to) {
        machine.changeRunState(to, this);
    }

    /** Releases the machine; further calls do nothing. */
    @Override
    public void close() {
        machine.release(this);
    }
}
