package io.ferry.vhost.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationListener;
import io.ferry.migration.PassProgress;
import io.ferry.testkit.Await;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the source migration after pass 1 (RAM's full first pass) until the backend has delivered,
 * and the guest driver consumed, {@code packets} more packets. Guest RAM then certainly changed
 * behind pages RAM already sent, through both paths: the backend's untracked writes (buffers,
 * used ring) and the driver's tracked ones (available ring, state page), so pass 1 cannot
 * converge with a zero downtime limit and a pass 2 runs.
 */
final class TrafficAfterFirstPass implements MigrationListener {
    private final VhostNetDevice device;
    private final int packets;
    private final AtomicReference<String> outcome = new AtomicReference<>("pass 1 never completed");

    TrafficAfterFirstPass(VhostNetDevice device, int packets) {
        this.device = device;
        this.packets = packets;
    }

    @Override
    public void passCompleted(Migration migration, PassProgress progress) {
        if (progress.pass() != 1) {
            return;
        }
        long delivered = device.delivered();
        long received = device.driverStatus().received();
        try {
            Await.until(
                    Duration.ofSeconds(10),
                    () -> device.delivered() >= delivered + packets
                            && device.driverStatus().received() >= received + packets,
                    () -> packets + " packets after pass 1: " + device);
            outcome.set("held");
        } catch (AssertionError | InterruptedException e) {
            outcome.set(e.toString());
        }
    }

    void assertHeld() {
        assertThat(outcome.get()).as("traffic after pass 1").isEqualTo("held");
    }
}
