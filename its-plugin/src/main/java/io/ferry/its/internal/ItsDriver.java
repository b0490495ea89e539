package io.ferry.its.internal;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.ferry.its.ItsLayout;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.GuestTask;
import io.ferry.machine.Machine;
import io.ferry.machine.MemoryAccess;
import java.util.SplittableRandom;

/**
 * The guest's ITS driver, run as a vCPU's task. Each step either posts one command (written into
 * the queue through the tracked vCPU path, then CWRITER advanced, which makes the ITS process it)
 * or raises one MSI. Three in four steps post a command.
 *
 * <p>It keeps no progress in Java: each step reads the driver page (seed, steps done, commands
 * posted) from guest RAM and CWRITER/CREADR from the device, and writes the driver page back, all
 * within one step, which a machine stop never splits. So what the step does next is a function of
 * migrated state only: on the destination the same driver object carries on exactly where the
 * source stopped, posting no command twice and skipping none.
 */
public final class ItsDriver implements GuestTask {
    private static final int MSI_ONE_IN = 4;

    private final MemoryAccess access;
    private final ItsDevice device;
    private final ItsLayout layout;

    /** A driver for {@code device} that carries on from the driver page in {@code memory}. */
    public ItsDriver(GuestMemory memory, ItsDevice device) {
        this.access = checkNotNull(memory, "memory").tracked();
        this.device = checkNotNull(device, "device");
        this.layout = ItsLayout.of(memory);
    }

    /**
     * Attaches a fresh ITS to {@code machine} and boots it as a guest would: clears the ITS
     * region, writes the driver page, programs the tables and queue, enables the ITS.
     */
    public static ItsDriver install(Machine machine, long seed) {
        GuestMemory memory = machine.memory();
        ItsLayout layout = ItsLayout.of(memory);
        ItsDevice device = new ItsDevice(memory);
        machine.attach(device);
        MemoryAccess out = memory.tracked();
        out.zero(layout.base(), ItsLayout.REGION_SIZE);
        DriverState.initial(seed).write(out, layout);
        device.program(bases(layout));
        device.enable();
        return new ItsDriver(memory, device);
    }

    /** The bases the driver programs: the tables and queue of {@code layout}. */
    static ItsBases bases(ItsLayout layout) {
        return new ItsBases(
                layout.deviceTable(),
                ItsLayout.DEVICE_TABLE_ENTRIES,
                layout.collectionTable(),
                ItsLayout.COLLECTION_TABLE_ENTRIES,
                layout.queue(),
                ItsLayout.QUEUE_BYTES);
    }

    public ItsDevice device() {
        return device;
    }

    /** One step; {@code index} is ignored, the step number comes from the driver page. */
    @Override
    public void step(long index) {
        DriverState state = DriverState.read(access, layout);
        checkState(device.isEnabled(), "the ITS is disabled at driver step %s", state.steps());
        SplittableRandom random = new SplittableRandom(state.seed() ^ (state.steps() * 0x9E37_79B9_7F4A_7C15L));
        DriverState next = random.nextInt(MSI_ONE_IN) == 0
                ? raiseMsi(state, random)
                : post(state, CommandScript.command(state.commands(), random, layout));
        next.write(access, layout);
    }

    private DriverState raiseMsi(DriverState state, SplittableRandom random) {
        device.signalMsi(random.nextInt(CommandScript.DEVICES), random.nextInt(1 << CommandScript.EVENT_BITS));
        return state.afterMsi();
    }

    private DriverState post(DriverState state, ItsCommand command) {
        ItsRegisters regs = device.registers();
        // The ITS processes up to CWRITER before the write returns, so the ring is never full here.
        checkState(
                !regs.pending(),
                "the ITS left commands unprocessed (CWRITER 0x%s, CREADR 0x%s)",
                Integer.toHexString(regs.cwriter()),
                Integer.toHexString(regs.creadr()));
        int slot = regs.cwriter();
        int next = (slot + ItsLimits.COMMAND_BYTES) % ItsLayout.QUEUE_BYTES;
        long[] dw = CommandCodec.encode(command);
        for (int i = 0; i < dw.length; i++) {
            access.writeLong(layout.queue() + slot + (long) i * Long.BYTES, dw[i]);
        }
        device.writeCwriter(next);
        return state.afterCommand();
    }
}
