package io.ferry.its.internal;

/** What this ITS implements, as GICv3's GITS_TYPER would report it. */
public final class ItsLimits {
    /** Bytes of one command in the queue. */
    public static final int COMMAND_BYTES = 32;
    /** Most EventID bits a device may have (MAPD's Size field + 1). */
    public static final int MAX_EVENT_BITS = 16;
    /** Most device table entries, so DeviceIDs are below this. */
    public static final int MAX_DEVICES = 1 << 16;
    /** Most collection table entries, so ICIDs are below this. */
    public static final int MAX_COLLECTIONS = 256;
    /** Interrupt targets are vCPU numbers below this (GITS_TYPER.PTA = 0: processor numbers). */
    public static final int TARGET_VCPUS = 8;
    /** The LPI range of physical interrupt ids: [MIN_LPI, INTID_LIMIT). */
    public static final int MIN_LPI = 8192;

    public static final int INTID_LIMIT = 1 << 16;
    /** Queue and table bases are 4 KiB aligned; ITTs 256-byte aligned, as on GICv3. */
    public static final int TABLE_ALIGN = 4096;

    public static final int ITT_ALIGN = 256;
    /** Queue sizes are multiples of 4 KiB up to this. */
    public static final int MAX_QUEUE_BYTES = 1 << 20;
    /** Table entry sizes. */
    public static final int DTE_BYTES = 16;

    public static final int CTE_BYTES = 8;
    public static final int ITE_BYTES = 8;

    private ItsLimits() {}
}
