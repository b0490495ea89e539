package io.ferry.ram.internal;

import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.ferry.pipeline.Compression;
import io.ferry.ram.MalformedRamChunkException;
import io.ferry.ram.RamSection;
import java.nio.ByteBuffer;

/**
 * Compresses and decompresses a batch's page data as one block (aircompressor: pure Java, works
 * on direct buffers without copying them to the heap). Decompression is bounded by its output
 * buffer: a block that would decompress to more, or is not valid, is refused.
 */
final class PageCodec {
    private final int code;
    private final Compressor compressor;
    private final Decompressor decompressor;

    private PageCodec(int code, Compressor compressor, Decompressor decompressor) {
        this.code = code;
        this.compressor = compressor;
        this.decompressor = decompressor;
    }

    /** The codec for {@code c}; {@code none} has none. */
    static PageCodec of(Compression c) {
        return switch (c) {
            case lz4 -> forCode(RamSection.CODEC_LZ4);
            case zstd -> forCode(RamSection.CODEC_ZSTD);
            case none -> throw new IllegalArgumentException("compression none has no codec");
        };
    }

    /** The codec a chunk names. */
    static PageCodec forCode(int code) {
        return switch (code) {
            case RamSection.CODEC_LZ4 -> new PageCodec(code, new Lz4Compressor(), new Lz4Decompressor());
            case RamSection.CODEC_ZSTD -> new PageCodec(code, new ZstdCompressor(), new ZstdDecompressor());
            default -> throw new MalformedRamChunkException("unknown RAM page codec " + code);
        };
    }

    /** The code a chunk carries for this codec. */
    int code() {
        return code;
    }

    int maxCompressedLength(int length) {
        return compressor.maxCompressedLength(length);
    }

    /** Compresses the remaining bytes of {@code src} into {@code dst} from its position; returns the compressed length. */
    int compress(ByteBuffer src, ByteBuffer dst) {
        int before = dst.position();
        compressor.compress(src, dst);
        return dst.position() - before;
    }

    /**
     * Decompresses all the remaining bytes of {@code src} (both codecs' decoders read a block to its
     * end and refuse trailing bytes) into {@code dst} from position 0, which must come to exactly
     * {@code expected} bytes; {@code dst} is left holding them.
     */
    void decompress(ByteBuffer src, ByteBuffer dst, int expected) {
        dst.clear().limit(expected);
        try {
            decompressor.decompress(src, dst);
        } catch (RuntimeException e) { // aircompressor's MalformedInputException, or a bound hit
            throw new MalformedRamChunkException("compressed RAM data does not decompress (" + e.getMessage() + ")", e);
        }
        if (dst.position() != expected) {
            throw new MalformedRamChunkException("compressed RAM data decompresses to " + dst.position()
                    + " bytes, the run table needs " + expected);
        }
        dst.flip();
    }
}
