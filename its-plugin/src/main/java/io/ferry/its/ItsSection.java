package io.ferry.its;

import io.ferry.pipeline.SectionId;

/**
 * The ITS section, its handler ids and its one chunk. The translation tables never travel as
 * chunks: the source flushes them into guest RAM before RAM's final pass and the destination
 * reads them back once RAM is loaded. Only the register file travels here, as one chunk of
 * {@link #REGISTERS_BYTES} bytes, big-endian:
 *
 * <pre>
 * u8  flags                 bit 0: enabled; other bits zero
 * u64 device table address  u32 device table entries (16 bytes each)
 * u64 collection table addr u32 collection table entries (8 bytes each)
 * u64 command queue address u32 command queue bytes
 * u32 CWRITER               u32 CREADR (byte offsets into the queue, multiples of 32)
 * u64 commands processed    u64 commands rejected
 * u64 MSIs delivered        u64 MSIs dropped (not mapped)
 * </pre>
 */
public final class ItsSection {
    public static final SectionId ID = SectionId.of("its", 0, 1);

    /** Bytes of the register chunk. */
    public static final int REGISTERS_BYTES = 77;

    /** Source, COMPLETE, before RAM, no chunk: writes the cached tables into guest RAM. */
    public static final String FLUSH = "its.flush";
    /** Source, COMPLETE, before RAM, section {@link #ID}: emits the register chunk. */
    public static final String REGISTERS = "its.registers";
    /** Destination, LOAD, section {@link #ID}: decodes and checks the register chunk. */
    public static final String LOAD = "its.load";
    /** Destination, LOAD_COMPLETE, after RAM: rebuilds the cache from the tables in guest RAM, then enables. */
    public static final String RESTORE = "its.restore";

    private ItsSection() {}
}
