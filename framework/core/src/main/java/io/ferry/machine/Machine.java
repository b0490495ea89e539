package io.ferry.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What is migrated: a run state, guest memory, devices, and vCPUs that run guest tasks (writing
 * guest memory) while the machine runs.
 *
 * <p>Run-state changes are serialized; leaving {@link RunState#RUNNING} returns only once every
 * vCPU is at its safepoint, so nothing writes guest RAM through the vCPU path afterwards.
 */
public final class Machine implements AutoCloseable {
    private final String name;
    private final GuestMemory memory;
    private final RunGate gate = new RunGate();
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final List<Vcpu> vcpus = new CopyOnWriteArrayList<>();
    private final List<RunStateListener> listeners = new CopyOnWriteArrayList<>();
    private final List<GuestRegion> regions = new CopyOnWriteArrayList<>();
    private RunState runState;
    private boolean memoryReleased; // guarded by this
    private MigrationClaim claim; // guarded by this

    /** A machine in {@code initial} state ({@link RunState#PRELAUNCH} or {@link RunState#INMIGRATE}). */
    public Machine(String name, GuestMemory memory, RunState initial) {
        this.name = checkNotNull(name, "name");
        this.memory = checkNotNull(memory, "memory");
        checkArgument(initial == RunState.PRELAUNCH || initial == RunState.INMIGRATE,
                "a machine starts in PRELAUNCH or INMIGRATE, not %s", initial);
        this.runState = initial;
    }

    /** A source machine: {@link RunState#PRELAUNCH} until {@link #start()}. */
    public static Machine create(String name, GuestMemory memory) {
        return new Machine(name, memory, RunState.PRELAUNCH);
    }

    /** A destination machine waiting for an incoming migration. */
    public static Machine incoming(String name, GuestMemory memory) {
        return new Machine(name, memory, RunState.INMIGRATE);
    }

    public String name() {
        return name;
    }

    public GuestMemory memory() {
        return memory;
    }

    public synchronized RunState runState() {
        return runState;
    }

    /** Starts or resumes the vCPUs. */
    public void start() {
        changeRunState(RunState.RUNNING);
    }

    /** Stops the vCPUs at their safepoint ({@link RunState#PAUSED}). */
    public void pause() {
        changeRunState(RunState.PAUSED);
    }

    /**
     * Moves to {@code to}. Entering RUNNING opens the vCPU gate; leaving it closes the gate and
     * waits for every vCPU. Listeners run after the change, on this thread.
     *
     * @throws IllegalStateException while a migration holds the machine (see {@link #claimForMigration}),
     *     except to shut it down
     */
    public void changeRunState(RunState to) {
        changeRunState(to, null);
    }

    /**
     * Claims the machine for one migration: until the claim is closed, run-state changes other than
     * through it (and other than shutting down) are refused, and so is a second claim.
     *
     * @throws IllegalStateException if another migration holds the machine
     */
    public synchronized MigrationClaim claimForMigration(String holder) {
        checkNotNull(holder, "holder");
        checkState(claim == null, "machine %s is already in a migration (%s)", name, claim == null ? "" : claim.holder());
        checkState(runState != RunState.SHUTDOWN, "machine %s is shut down", name);
        claim = new MigrationClaim(this, holder);
        return claim;
    }

    /** Whether a migration holds this machine now. */
    public synchronized boolean isClaimed() {
        return claim != null;
    }

    void release(MigrationClaim c) {
        synchronized (this) {
            if (claim != c) {
                return;
            }
            claim = null;
        }
        releaseMemoryIfIdle(); // a machine closed during its migration frees its RAM now
    }

    void changeRunState(RunState to, MigrationClaim by) {
        checkNotNull(to, "to");
        RunState from;
        synchronized (this) {
            checkState(runState != RunState.SHUTDOWN, "machine %s is shut down", name);
            if (by == null) {
                checkState(claim == null || to == RunState.SHUTDOWN,
                        "machine %s is in a migration (%s): its run state belongs to the migration until it ends", name,
                        claim == null ? "" : claim.holder());
            } else {
                checkState(claim == by, "the claim of %s on machine %s was released", by.holder(), name);
            }
            from = runState;
            if (from == to) {
                return;
            }
            if (to.isRunning()) {
                gate.open();
            } else {
                gate.close();
            }
            runState = to;
        }
        for (RunStateListener l : listeners) {
            l.runStateChanged(this, from, to);
        }
    }

    public void addRunStateListener(RunStateListener listener) {
        listeners.add(checkNotNull(listener, "listener"));
    }

    public void removeRunStateListener(RunStateListener listener) {
        listeners.remove(listener);
    }

    /**
     * Reserves {@code [base, base + size)} of guest RAM for {@code owner}, so that workloads such as
     * {@link PageDirtier} leave it alone.
     *
     * @throws IllegalArgumentException if the range lies outside guest RAM or overlaps another reservation
     */
    public synchronized GuestRegion reserve(String owner, long base, long size) {
        GuestRegion region = new GuestRegion(owner, base, size);
        checkArgument(memory.contains(base, size), "%s lies outside guest RAM of %s bytes", region, memory.size());
        for (GuestRegion other : regions) {
            checkArgument(!region.overlaps(other), "guest RAM region %s overlaps %s", region, other);
        }
        regions.add(region);
        return region;
    }

    /** The reserved regions of guest RAM, by address. */
    public List<GuestRegion> reservedRegions() {
        return regions.stream().sorted(java.util.Comparator.comparingLong(GuestRegion::base))
                .collect(ImmutableList.toImmutableList());
    }

    /** Attaches a device; its id must be unique on this machine. */
    public void attach(Device device) {
        checkNotNull(device, "device");
        Device previous = devices.putIfAbsent(device.id(), device);
        checkArgument(previous == null, "machine %s already has a device '%s'", name, device.id());
    }

    public Optional<Device> device(String id) {
        return Optional.ofNullable(devices.get(id));
    }

    /** The first attached device of type {@code type}. */
    public <T extends Device> Optional<T> device(Class<T> type) {
        return devices.values().stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    /** Attached devices in id order. */
    public List<Device> devices() {
        return devices.values().stream()
                .sorted(java.util.Comparator.comparing(Device::id))
                .collect(ImmutableList.toImmutableList());
    }

    /**
     * Starts a vCPU running {@code task} at {@code stepsPerSecond}. Its thread starts at once; its
     * steps run only while the machine is {@link RunState#RUNNING}.
     */
    public Vcpu startVcpu(String vcpuName, long stepsPerSecond, GuestTask task) {
        Vcpu vcpu = new Vcpu(vcpuName, stepsPerSecond, task);
        synchronized (this) {
            checkState(runState != RunState.SHUTDOWN, "machine %s is shut down", name);
            checkArgument(vcpus.stream().noneMatch(v -> v.name().equals(vcpuName)),
                    "machine %s already has a vCPU '%s'", name, vcpuName);
            vcpus.add(vcpu);
        }
        vcpu.start(gate);
        return vcpu;
    }

    public List<Vcpu> vcpus() {
        return ImmutableList.copyOf(vcpus);
    }

    /**
     * Stops the vCPUs, moves to {@link RunState#SHUTDOWN} and frees guest RAM at once (not at
     * some later garbage collection), or, while a migration still holds the machine, when it lets go.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (runState == RunState.SHUTDOWN) {
                return;
            }
        }
        changeRunState(RunState.SHUTDOWN);
        vcpus.forEach(Vcpu::stop);
        releaseMemoryIfIdle();
    }

    private void releaseMemoryIfIdle() {
        synchronized (this) {
            if (runState != RunState.SHUTDOWN || claim != null || memoryReleased
                    || !vcpus.stream().allMatch(Vcpu::ended)) {
                return; // still in use: freeing now could crash a reader; the collector frees it later
            }
            memoryReleased = true;
        }
        memory.release();
    }

    @Override
    public String toString() {
        return "Machine[" + name + ", " + runState() + ", " + memory.size() + " bytes]";
    }
}
