package io.ferry.vhost.internal;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.machine.Device;
import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.DirtyLog;
import io.ferry.machine.DirtyLogSource;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryAccess;
import io.ferry.machine.RunState;
import io.ferry.machine.RunStateListener;
import io.ferry.machine.Vcpu;
import io.ferry.vhost.RxDriverStatus;
import io.ferry.vhost.RxRingLayout;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A vhost-net receive device: a queue in guest RAM, the guest driver on a vCPU of its own, and a
 * {@link VhostBackend} that runs exactly while the machine runs (it follows run-state changes).
 * Its migratable state outside guest RAM is a {@link VhostNetState}.
 */
final class VhostNetDevice implements Device {
    static final String ID = "vhost-net0";
    static final String DRIVER_VCPU = "vhost-net-rx";
    static final long VIRTIO_F_VERSION_1 = 1L << 32;
    static final long VIRTIO_NET_F_MRG_RXBUF = 1L << 15;
    /** What the device offers. */
    static final long OFFERED_FEATURES = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF;
    /** What the guest driver accepts: it posts one whole buffer per packet, so no mergeable buffers. */
    static final long DRIVER_FEATURES = VIRTIO_F_VERSION_1;

    private final Machine machine;
    private final VhostNetConfig config;
    private final MemoryAccess ram;
    private final VhostBackend backend;
    private final RunStateListener listener = (m, from, to) -> followRunState();
    private final AtomicLong pagesMerged = new AtomicLong();
    private final DirtyLogSource mergedLog;
    private volatile long features;
    private volatile long seed;
    private volatile Vcpu driverVcpu;
    private boolean detached; // guarded by this

    private VhostNetDevice(Machine machine, VhostNetConfig config) {
        this.machine = checkNotNull(machine, "machine");
        this.config = checkNotNull(config, "config");
        checkArgument(
                config.layout().fitsIn(machine.memory()),
                "vhost-net queue %s does not fit in guest RAM of %s bytes",
                config.layout(),
                machine.memory().size());
        this.ram = machine.memory().untracked();
        this.backend = new VhostBackend(
                machine.name() + "-" + ID, machine.memory(), config.layout(), config.packetsPerSecond());
        this.mergedLog = new CountingLog(backend.log(), pagesMerged);
    }

    /**
     * Attaches a working device: the guest driver probes the queue (writing guest RAM through the
     * vCPU path, on this thread), features are negotiated, and driver and backend run while the
     * machine runs.
     */
    static VhostNetDevice attachToSource(Machine machine, VhostNetConfig config, long seed) {
        VhostNetDevice d = new VhostNetDevice(machine, config);
        RxDriver driver = new RxDriver(machine.memory().tracked(), config.layout());
        driver.probe(DRIVER_FEATURES);
        d.features = OFFERED_FEATURES & RxDriver.acceptedFeatures(d.ram, config.layout());
        d.seed = seed;
        d.backend.arm(RxQueueState.INITIAL, seed);
        d.attach(driver);
        return d;
    }

    /** Attaches a device that waits for its state: its backend stays idle until {@link #restore} arms it. */
    static VhostNetDevice attachToDestination(Machine machine, VhostNetConfig config) {
        VhostNetDevice d = new VhostNetDevice(machine, config);
        d.attach(new RxDriver(machine.memory().tracked(), config.layout()));
        return d;
    }

    private void attach(RxDriver driver) {
        // Keeps other guest workloads (the demo's page dirtier) out of the ring and its buffers.
        machine.reserve(id(), config.layout().base(), config.layout().size());
        machine.attach(this);
        machine.addRunStateListener(listener);
        driverVcpu = machine.startVcpu(DRIVER_VCPU, config.driverStepsPerSecond(), driver);
        followRunState();
    }

    /** Runs the backend exactly while the machine runs; a listener calls this after every change. */
    private synchronized void followRunState() {
        RunState state = machine.runState();
        if (detached) {
            return; // a notification already under way when the device was detached
        }
        if (state == RunState.SHUTDOWN) {
            backend.shutdown();
        } else if (state.isRunning()) {
            backend.start();
        } else {
            backend.stop();
        }
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Detached from its machine: stops following its run state, then ends the backend's thread (waiting
     * for it), so no code of this plugin keeps running for a device the machine no longer has.
     */
    @Override
    public void detached() {
        machine.removeRunStateListener(listener);
        synchronized (this) { // after any followRunState() in progress; none acts after this
            detached = true;
            backend.shutdown();
        }
    }

    RxRingLayout layout() {
        return config.layout();
    }

    /**
     * The backend's log of the guest pages it wrote, as registered with a migration: the engine
     * enables it, merges it at every DIRTY_SYNC and before RAM's final pass, and checks it once
     * RAM is sealed. Counts what its merges added.
     */
    DirtyLogSource dirtyLog() {
        return mergedLog;
    }

    /** Pages the engine's merges of the backend's log added to migration bitmaps so far. */
    long pagesMerged() {
        return pagesMerged.get();
    }

    /** Stops the backend; no guest write happens once this returns. */
    void stopBackend() {
        backend.stop();
    }

    /** The state to migrate; stable once the backend is stopped. */
    VhostNetState state() {
        checkState(backend.isArmed(), "vhost-net device of %s has no queue state yet", machine.name());
        return new VhostNetState(config.layout(), features, backend.queue(), seed);
    }

    /** Refuses a state this device cannot take, naming the difference. */
    void checkCompatible(VhostNetState state) {
        checkArgument(
                state.layout().equals(config.layout()),
                "vhost-net queue differs: source %s, destination %s",
                state.layout(),
                config.layout());
        long unknown = state.features() & ~OFFERED_FEATURES;
        checkArgument(
                unknown == 0,
                "vhost-net: source negotiated features 0x%s this device does not offer",
                Long.toHexString(unknown));
    }

    /**
     * Checks, once guest RAM is loaded, that the rings there agree with {@code state}: guest RAM
     * holding an older used index than the backend reached means the backend's last writes
     * never arrived.
     */
    void checkGuestRing(VhostNetState state) {
        RxRingLayout l = config.layout();
        checkState(
                RxDriver.status(ram, l).ready(),
                "vhost-net: the guest driver's queue at 0x%s is not set up in guest RAM",
                Long.toHexString(l.base()));
        int used = ram.readInt(l.usedRing() + RxRingLayout.RING_IDX);
        checkState(
                used == state.queue().used(),
                "vhost-net: the used ring index in guest RAM is %s but the backend stopped at %s: guest RAM lacks the"
                        + " backend's last writes (was its dirty log merged?)",
                Integer.toUnsignedString(used),
                Integer.toUnsignedString(state.queue().used()));
        int avail = ram.readInt(l.availRing() + RxRingLayout.RING_IDX);
        checkState(
                Integer.compareUnsigned(avail - state.queue().lastAvail(), l.queueSize()) <= 0,
                "vhost-net: guest avail index %s and backend last avail index %s are further apart than the queue",
                Integer.toUnsignedString(avail),
                Integer.toUnsignedString(state.queue().lastAvail()));
    }

    /** Arms the backend with a loaded state; it starts when the machine runs. */
    void restore(VhostNetState state) {
        checkCompatible(state);
        features = state.features();
        seed = state.seed();
        backend.arm(state.queue(), state.seed());
        followRunState();
    }

    /** What the guest driver reports in guest RAM. */
    RxDriverStatus driverStatus() {
        return RxDriver.status(ram, config.layout());
    }

    /** Packets the backend delivered in this process. */
    long delivered() {
        return backend.delivered();
    }

    /** Why the backend or the driver's vCPU gave up, if one did. */
    Optional<Exception> failure() {
        Optional<Exception> b = backend.failure().map(Exception.class::cast);
        Vcpu v = driverVcpu;
        return b.isPresent() || v == null ? b : v.failure();
    }

    @Override
    public String stateFingerprint() {
        RxRingLayout l = config.layout();
        RxQueueState q = backend.queue();
        return String.format(
                Locale.ROOT,
                "vhost-net[base=0x%x queue=%d buffer=%d features=0x%x %s seed=0x%x]",
                l.base(),
                l.queueSize(),
                l.bufferSize(),
                features,
                q == null ? "unarmed" : q,
                seed);
    }

    @Override
    public String toString() {
        return "VhostNetDevice[" + machine.name() + ", " + backend + "]";
    }

    /** The backend's log, counting the pages its merges add (tests check that the merges happen). */
    private record CountingLog(DirtyLog log, AtomicLong merged) implements DirtyLogSource {
        @Override
        public String name() {
            return log.name();
        }

        @Override
        public void enable() {
            log.enable();
        }

        @Override
        public void disable() {
            log.disable();
        }

        @Override
        public long drainInto(DirtyBitmap target) {
            long added = log.drainInto(target);
            merged.addAndGet(added);
            return added;
        }

        @Override
        public long peekCount() {
            return log.peekCount();
        }
    }
}
