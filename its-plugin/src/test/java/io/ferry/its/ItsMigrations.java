package io.ferry.its;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.its.internal.DriverState;
import io.ferry.its.internal.ItsDevice;
import io.ferry.its.internal.ItsDeviceModel;
import io.ferry.machine.Machine;
import io.ferry.machine.Vcpu;
import io.ferry.testkit.Await;
import io.ferry.testkit.TestMachines;
import java.time.Duration;

/** A source running the ITS driver and a destination ready for it, for the migration tests. */
final class ItsMigrations implements AutoCloseable {
    static final long RAM = 32L << 20;
    static final long SEED = 20_15;
    /** Driver steps per second: about 3750 commands and 1250 MSIs a second. */
    static final long RATE = 5_000;

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final Machine source;
    final Machine destination;
    final ItsDevice sourceIts;
    final ItsDevice destinationIts;

    ItsMigrations(String name) {
        source = TestMachines.runningSource(name, RAM, 3);
        destination = TestMachines.destinationFor(source);
        ItsDeviceModel model = new ItsDeviceModel(RATE);
        sourceIts = model.attachToSource(source, SEED);
        destinationIts = (ItsDevice) model.attachToDestination(destination);
    }

    /** Lets the source driver post at least {@code steps} steps' worth before a migration starts. */
    ItsMigrations warmedUp(long steps) throws InterruptedException {
        Await.until(TIMEOUT, () -> driver(source).steps() >= steps, "the source driver to take " + steps + " steps");
        return this;
    }

    static Vcpu driver(Machine machine) {
        return machine.vcpus().stream()
                .filter(v -> v.name().equals(ItsDeviceModel.DRIVER_VCPU))
                .findFirst()
                .orElseThrow();
    }

    /** The driver's progress as recorded in {@code machine}'s guest RAM; the machine must be stopped. */
    static DriverState driverState(Machine machine) {
        assertThat(machine.runState().isRunning())
                .as("%s is stopped", machine.name())
                .isFalse();
        return DriverState.read(machine.memory());
    }

    @Override
    public void close() {
        destination.close();
        source.close();
    }
}
