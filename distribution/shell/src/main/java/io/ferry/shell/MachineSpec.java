package io.ferry.shell;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import io.ferry.machine.DirtyPattern;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryFill;
import io.ferry.machine.PageDirtier;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.PluginRegistry;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The synthetic machine of the demo and the shell: {@code ram} bytes of guest RAM (30% random
 * content, the rest zero, from {@code seed}), the named devices of the plugins' device models,
 * and one vCPU dirtying {@code rate} pages per second in {@code pattern}.
 *
 * @param ram guest RAM in bytes, a positive multiple of 4 KiB
 * @param devices device model names, as the plugins name them
 * @param rate pages per second the vCPU dirties; 0 starts no vCPU
 * @param pattern which pages the vCPU dirties ({@link DirtyPattern#parse})
 * @param seed seed of the RAM content, the devices' state and the workload
 */
public record MachineSpec(long ram, List<String> devices, long rate, DirtyPattern pattern, long seed) {
    /** Share of guest pages that get random content; the rest stay zero. */
    private static final double FILLED = 0.3;

    public MachineSpec {
        checkArgument(ram > 0 && ram % GuestMemory.PAGE_SIZE == 0, "--ram %s is not a positive multiple of 4 KiB", ram);
        checkArgument(rate >= 0, "--rate %s is negative", rate);
        devices = ImmutableList.copyOf(checkNotNull(devices, "devices"));
        checkNotNull(pattern, "pattern");
    }

    /** A source machine named {@code name}: filled, devices attached, started, its vCPU running. */
    public Machine buildSource(PluginRegistry registry, String name) {
        List<DeviceModel> models = models(registry);
        return build(() -> Machine.create(name, GuestMemory.of(ram)), m -> {
            MemoryFill.random(m.memory(), seed, FILLED);
            models.forEach(model -> model.attachToSource(m, seed));
            m.start();
            if (rate > 0) {
                m.startVcpu("vcpu0", rate, new PageDirtier(m, pattern, seed));
            }
            return m;
        });
    }

    /** An empty machine named {@code name} waiting for an incoming migration, with the same devices. */
    public Machine buildDestination(PluginRegistry registry, String name) {
        List<DeviceModel> models = models(registry);
        return build(() -> Machine.incoming(name, GuestMemory.of(ram)), m -> {
            models.forEach(model -> model.attachToDestination(m));
            return m;
        });
    }

    /**
     * Checks, without building anything, what a build checks: every device names a model of
     * {@code registry}, and the RAM fits this JVM's direct memory cap. A shell replacing its
     * machine checks before it closes the old one.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public void check(PluginRegistry registry) {
        models(registry);
        checkCap();
    }

    private List<DeviceModel> models(PluginRegistry registry) {
        return devices.stream()
                .map(String::trim)
                .filter(n -> !n.isEmpty())
                .map(registry::deviceModel)
                .toList();
    }

    private void checkCap() {
        DirectMemory.cap()
                .ifPresent(cap -> checkArgument(
                        ram <= cap,
                        "--ram %s is above this JVM's direct memory cap of %s; start it with a larger"
                                + " -XX:MaxDirectMemorySize (FERRY_JAVA_OPTS) or ask for less RAM",
                        Sizes.format(ram),
                        Sizes.format(cap)));
    }

    /** Creates the machine and sets it up; a failed setup closes it, and a RAM size the JVM cannot hold is named. */
    private Machine build(Supplier<Machine> create, Function<Machine, Machine> setUp) {
        checkCap();
        Machine m;
        try {
            m = create.get();
        } catch (OutOfMemoryError e) { // direct buffers: the JVM's cap, not the heap, was reached
            throw new IllegalArgumentException(
                    String.format(
                            "--ram %s does not fit in this JVM's direct memory (%s); start it with a larger"
                                    + " -XX:MaxDirectMemorySize (FERRY_JAVA_OPTS) or ask for less RAM",
                            Sizes.format(ram), e.getMessage()),
                    e);
        }
        try {
            return setUp.apply(m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }
}
