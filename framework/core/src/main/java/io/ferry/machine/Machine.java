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
import java.util.function.Function;

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
    private final Map<String, DeviceBinding> bindings = new ConcurrentHashMap<>();
    /** What an {@link #attachFrom} call on this thread has attached, started and reserved so far. */
    private final ThreadLocal<DeviceBinding.Recorder> attaching = new ThreadLocal<>();

    private volatile RunState runState; // written under the monitor; read without it (a vCPU's task may)
    private boolean memoryLetGo; // freed or handed on; guarded by this
    private MigrationClaim claim; // guarded by this
    private int vcpuThrottle; // guarded by this
    private long vcpuDirtyLimit; // guarded by this

    /**
     * A machine in {@code initial} state ({@link RunState#PRELAUNCH} or {@link RunState#INMIGRATE})
     * over {@code memory}, which from now on belongs to it: its vCPUs pass none of the memory's
     * gates, and {@link #close()} frees the memory. A memory that another machine owns, or that a closed
     * machine kept, is refused; one machine {@linkplain #closeKeepingMemory() hands its memory on} to the next.
     *
     * @throws IllegalArgumentException if another machine owns {@code memory} or kept it at its close, or if
     *     {@code initial} is neither state
     */
    public Machine(String name, GuestMemory memory, RunState initial) {
        this.name = checkNotNull(name, "name");
        this.memory = checkNotNull(memory, "memory");
        checkArgument(
                initial == RunState.PRELAUNCH || initial == RunState.INMIGRATE,
                "a machine starts in PRELAUNCH or INMIGRATE, not %s",
                initial);
        this.runState = initial;
        memory.adopt(this); // last: a machine refused for another reason leaves the memory free
    }

    /**
     * A source machine: {@link RunState#PRELAUNCH} until {@link #start()}. It owns {@code memory}:
     * see {@link #Machine(String, GuestMemory, RunState)}.
     */
    public static Machine create(String name, GuestMemory memory) {
        return new Machine(name, memory, RunState.PRELAUNCH);
    }

    /**
     * A destination machine waiting for an incoming migration. It owns {@code memory}: see {@link
     * #Machine(String, GuestMemory, RunState)}.
     */
    public static Machine incoming(String name, GuestMemory memory) {
        return new Machine(name, memory, RunState.INMIGRATE);
    }

    public String name() {
        return name;
    }

    public GuestMemory memory() {
        return memory;
    }

    public RunState runState() { // not synchronized: a run-state change holds the monitor while vCPUs finish a batch
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
        checkState(
                claim == null, "machine %s is already in a migration (%s)", name, claim == null ? "" : claim.holder());
        checkState(runState != RunState.SHUTDOWN && !memoryLetGo, "machine %s is shut down", name);
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
        checkNotOwnVcpu(to);
        RunState from;
        synchronized (this) {
            checkState(runState != RunState.SHUTDOWN, "machine %s is shut down", name);
            if (by == null) {
                checkState(
                        claim == null || to == RunState.SHUTDOWN,
                        "machine %s is in a migration (%s): its run state belongs to the migration until it ends",
                        name,
                        claim == null ? "" : claim.holder());
            } else {
                checkState(claim == by, "the claim of %s on machine %s was released", by.holder(), name);
            }
            from = runState;
            if (from == to) {
                return;
            }
            if (to.isRunning()) {
                memory.clearDontCare(); // the guest may use its free pages again
                gate.open();
            } else {
                gate.close();
            }
            runState = to;
        }
        notifyRunState(from, to);
    }

    /** A run-state change waits for every vCPU to end its batch: one of them asking would wait for itself. */
    private void checkNotOwnVcpu(RunState to) {
        Thread t = Thread.currentThread();
        checkState(
                !(t instanceof Vcpu.VcpuThread) || vcpus.stream().noneMatch(v -> v.runsOn(t)),
                "a vCPU of machine %s cannot change its run state (to %s): the change waits for every vCPU to"
                        + " finish its batch, its own too",
                name,
                to);
    }

    /** Tells every listener, even after one threw; then throws the first failure, the others suppressed. */
    private void notifyRunState(RunState from, RunState to) {
        RuntimeException failure = null;
        for (RunStateListener l : listeners) {
            try {
                l.runStateChanged(this, from, to);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
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
        DeviceBinding.Recorder rec = attaching.get();
        if (rec != null) {
            rec.regions.add(region);
        }
        return region;
    }

    /** The reserved regions of guest RAM, by address. */
    public List<GuestRegion> reservedRegions() {
        return regions.stream()
                .sorted(java.util.Comparator.comparingLong(GuestRegion::base))
                .collect(ImmutableList.toImmutableList());
    }

    /**
     * The guest address map: all of guest RAM, by address, as the ranges reserved (with their
     * owners, see {@link #reserve}) and the free ranges between them. A plugin places its rings
     * and tables in a free range.
     */
    public List<AddressMapEntry> addressMap() {
        List<AddressMapEntry> map = new java.util.ArrayList<>();
        long at = 0;
        for (GuestRegion r : reservedRegions()) {
            if (r.base() > at) {
                map.add(new AddressMapEntry(at, r.base() - at, Optional.empty()));
            }
            map.add(new AddressMapEntry(r.base(), r.size(), Optional.of(r.owner())));
            at = r.end();
        }
        if (memory.size() > at) {
            map.add(new AddressMapEntry(at, memory.size() - at, Optional.empty()));
        }
        return List.copyOf(map);
    }

    /** Attaches a device; its id must be unique on this machine. */
    public void attach(Device device) {
        checkNotNull(device, "device");
        Device previous = devices.putIfAbsent(device.id(), device);
        checkArgument(previous == null, "machine %s already has a device '%s'", name, device.id());
        DeviceBinding.Recorder rec = attaching.get();
        if (rec != null) {
            rec.devices.add(device.id());
        }
    }

    /**
     * Runs {@code attach} (a device model attaching its device) and binds what it attached to
     * {@code owner}: the devices need that plugin to migrate, and the vCPUs it started and the
     * regions it reserved belong to the device it returns, so {@link #detach} can undo them.
     *
     * @throws IllegalStateException if {@code attach} returns a device it did not attach to this machine
     */
    public <D extends Device> D attachFrom(DeviceOwner owner, Function<Machine, D> attach) {
        checkNotNull(owner, "owner");
        checkState(attaching.get() == null, "machine %s: attachFrom does not nest", name);
        DeviceBinding.Recorder rec = new DeviceBinding.Recorder();
        attaching.set(rec);
        D device;
        try {
            device = checkNotNull(attach.apply(this), "the device model returned no device");
        } finally {
            attaching.remove();
        }
        checkState(
                devices.get(device.id()) == device,
                "machine %s: plugin %s returned device %s without attaching it",
                name,
                owner.plugin(),
                device.id());
        for (String id : rec.devices) {
            bindings.put(id, id.equals(device.id()) ? rec.bind(owner) : new DeviceBinding(owner, List.of(), List.of()));
        }
        return device;
    }

    /**
     * The plugin device {@code id} needs to migrate: the one it was attached from ({@link #attachFrom}),
     * or the one the device names itself ({@link Device#plugin()}); empty if neither.
     */
    public Optional<DeviceOwner> ownerOf(String id) {
        DeviceBinding b = bindings.get(id);
        if (b != null) {
            return Optional.of(b.owner());
        }
        return device(id).flatMap(Device::plugin).map(p -> new DeviceOwner(p, Optional.empty()));
    }

    /**
     * Detaches device {@code id}: stops the vCPUs and releases the regions bound to it (see
     * {@link #attachFrom}), then calls {@link Device#detached()}. What remains of the guest (its
     * RAM) is untouched. This is how a machine whose device's plugin left migrates again, without
     * that device.
     *
     * @return the detached device
     * @throws IllegalArgumentException if there is no such device
     * @throws IllegalStateException while a migration holds the machine
     */
    public Device detach(String id) {
        Device device;
        DeviceBinding binding;
        List<Vcpu> stopping;
        synchronized (this) {
            checkState(
                    claim == null,
                    "machine %s is in a migration (%s): detach %s after it ends",
                    name,
                    claim == null ? "" : claim.holder(),
                    id);
            device = devices.remove(id);
            checkArgument(device != null, "machine %s has no device '%s': it has %s", name, id, devices.keySet());
            binding = bindings.remove(id);
            List<String> names = binding == null ? List.of() : binding.vcpus();
            stopping = vcpus.stream().filter(v -> names.contains(v.name())).toList();
            vcpus.removeAll(stopping);
            if (binding != null) {
                regions.removeAll(binding.regions());
            }
        }
        stopping.forEach(Vcpu::stop);
        device.detached();
        return device;
    }

    public Optional<Device> device(String id) {
        return Optional.ofNullable(devices.get(id));
    }

    /** The first attached device of type {@code type}. */
    public <T extends Device> Optional<T> device(Class<T> type) {
        return devices.values().stream()
                .filter(type::isInstance)
                .map(type::cast)
                .findFirst();
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
        Vcpu vcpu = new Vcpu(vcpuName, stepsPerSecond, task, memory);
        synchronized (this) {
            checkState(runState != RunState.SHUTDOWN, "machine %s is shut down", name);
            checkArgument(
                    vcpus.stream().noneMatch(v -> v.name().equals(vcpuName)),
                    "machine %s already has a vCPU '%s'",
                    name,
                    vcpuName);
            vcpu.throttle(vcpuThrottle);
            vcpu.limitDirtyRate(vcpuDirtyLimit);
            vcpus.add(vcpu);
        }
        DeviceBinding.Recorder rec = attaching.get();
        if (rec != null) {
            rec.vcpus.add(vcpuName);
        }
        vcpu.start(gate);
        return vcpu;
    }

    public List<Vcpu> vcpus() {
        return ImmutableList.copyOf(vcpus);
    }

    /**
     * Throttles every vCPU, present and future, to run at most {@code 100 - percent} percent of
     * the time (QEMU's CPU throttle, which auto-converge steps up); 0 lifts it.
     */
    public synchronized void throttleVcpus(int percent) {
        checkArgument(percent >= 0 && percent <= 99, "CPU throttle must be in [0, 99] percent but was %s", percent);
        vcpuThrottle = percent;
        vcpus.forEach(v -> v.throttle(percent));
    }

    /**
     * Limits the pages each vCPU, present and future, newly dirties per second while dirty logging
     * is on (QEMU's dirty-limit); 0 lifts it.
     */
    public synchronized void limitDirtyRate(long pagesPerSecondPerVcpu) {
        checkArgument(pagesPerSecondPerVcpu >= 0, "dirty limit must be >= 0 pages/s but was %s", pagesPerSecondPerVcpu);
        vcpuDirtyLimit = pagesPerSecondPerVcpu;
        vcpus.forEach(v -> v.limitDirtyRate(pagesPerSecondPerVcpu));
    }

    /**
     * Stops the vCPUs, moves to {@link RunState#SHUTDOWN} and frees guest RAM at once (not at
     * some later garbage collection), or, while a migration still holds the machine, when it lets go.
     * No machine may be built over the memory afterwards; {@link #closeKeepingMemory()} keeps it for one.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (runState == RunState.SHUTDOWN) {
                return;
            }
        }
        checkNotOwnVcpu(RunState.SHUTDOWN); // before anything: a vCPU would stop itself, then wait for itself
        try {
            changeRunState(RunState.SHUTDOWN);
        } finally { // a listener that threw on SHUTDOWN still sees the machine shut down and its RAM freed
            vcpus.forEach(Vcpu::stop);
            releaseMemoryIfIdle();
        }
    }

    /**
     * Closes this machine as {@link #close()} does, but keeps its guest RAM allocated and gives it
     * up, so that another machine may be built over it (a bench reuses its pre-faulted RAM for run
     * after run so). Nothing is freed: the next owner's close frees it, or the collector once
     * nothing references it.
     *
     * <p>The memory goes on without what this machine left in it beyond its bytes: no seal and no
     * don't-care pages. This machine's {@link #memory()} still returns it, though it is another's now.
     *
     * @return this machine's memory, which no machine owns now
     * @throws IllegalStateException while a migration holds the machine or a device is attached (a
     *     device could write into the next machine's RAM: detach it first), if the memory was freed
     *     or handed on already (nothing changes then), or if a vCPU did not end (the machine is shut
     *     down, and the memory stays with it until the collector frees it)
     */
    public GuestMemory closeKeepingMemory() {
        checkNotOwnVcpu(RunState.SHUTDOWN);
        synchronized (this) { // decided once: from here no claim is taken, and neither close() nor a release frees it
            checkState(
                    claim == null,
                    "machine %s is in a migration (%s): its memory is in use until it ends",
                    name,
                    claim == null ? "" : claim.holder());
            checkState(
                    devices.isEmpty(),
                    "machine %s has devices attached %s: detach them before handing its memory on, or one could"
                            + " write into the next machine's RAM",
                    name,
                    devices.keySet());
            checkState(!memoryLetGo, "machine %s has freed or handed on its memory already", name);
            memoryLetGo = true;
        }
        try {
            shutDown();
        } finally { // as in close(): a listener that threw on SHUTDOWN does not keep the memory from its next owner
            vcpus.forEach(Vcpu::stop);
            handOnMemory();
        }
        return memory;
    }

    /** Moves to SHUTDOWN unless a close() meanwhile did. */
    private void shutDown() {
        try {
            changeRunState(RunState.SHUTDOWN);
        } catch (IllegalStateException e) {
            if (runState() != RunState.SHUTDOWN) {
                throw e;
            }
        }
    }

    private void handOnMemory() {
        checkState(
                vcpusEnded(),
                "machine %s cannot hand on its memory: a vCPU has not ended; the memory stays with it",
                name);
        memory.unseal();
        memory.clearDontCare();
        memory.disown(this);
    }

    private boolean vcpusEnded() {
        return vcpus.stream().allMatch(Vcpu::ended);
    }

    private void releaseMemoryIfIdle() {
        synchronized (this) {
            if (runState != RunState.SHUTDOWN || claim != null || memoryLetGo || !vcpusEnded()) {
                return; // still in use: freeing now could crash a reader; the collector frees it later
            }
            memoryLetGo = true;
        }
        memory.release();
    }

    @Override
    public String toString() {
        return "Machine[" + name + ", " + runState() + ", " + memory.size() + " bytes]";
    }
}
