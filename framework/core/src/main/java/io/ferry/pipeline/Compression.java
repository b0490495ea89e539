package io.ferry.pipeline;

/**
 * How the source compresses RAM page data (the {@code compression} migration parameter, QEMU's
 * multifd-compression): worth it when the link is slower than the CPU. The destination needs no
 * setting: each chunk says how it was compressed.
 */
public enum Compression {
    /** Page data as it is. */
    none,
    /** LZ4: fast, modest ratio. */
    lz4,
    /** zstd: slower, smaller. */
    zstd;

    /** The compression named {@code value}, in any case. */
    public static Compression parse(String value) {
        for (Compression c : values()) {
            if (c.name().equalsIgnoreCase(value)) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not none, lz4 or zstd");
    }
}
