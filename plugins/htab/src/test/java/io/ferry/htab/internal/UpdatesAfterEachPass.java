package io.ferry.htab.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.PassProgress;
import io.ferry.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Holds the source after each iterative pass until the guest has rewritten {@code updates} more
 * entries, so every following pass (and COMPLETE) certainly finds changed groups to send.
 */
final class UpdatesAfterEachPass implements MigrationListener {
    private final HtabDevice device;
    private final io.ferry.machine.Machine machine;
    private final int updates;
    private final int lastIterativePass;
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

    UpdatesAfterEachPass(io.ferry.machine.Machine machine, HtabDevice device, int updates, int lastIterativePass) {
        this.machine = machine;
        this.device = device;
        this.updates = updates;
        this.lastIterativePass = lastIterativePass;
    }

    @Override
    public void passCompleted(Migration migration, PassProgress progress) {
        if (progress.pass() < 1 || progress.pass() > lastIterativePass) {
            return; // SETUP, or COMPLETE with the vCPUs stopped
        }
        long before = device.updates();
        try {
            Await.until(
                    Duration.ofSeconds(10),
                    () -> device.updates() >= before + updates,
                    () -> updates + " updates after pass " + progress.pass() + ": " + device + " on " + machine + " "
                            + machine.vcpus());
            outcomes.add("held");
        } catch (AssertionError | InterruptedException e) {
            outcomes.add(e.toString());
        }
    }

    void assertHeldAfterEveryPass() {
        assertThat(outcomes).hasSize(lastIterativePass).containsOnly("held");
    }
}
