package io.ferry.ram.internal;

import static io.ferry.machine.GuestMemory.PAGE_SHIFT;
import static io.ferry.machine.GuestMemory.PAGE_SIZE;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.KnownZeroPages;
import io.ferry.machine.MemoryAccess;
import io.ferry.machine.RamBlock;
import io.ferry.migration.Sizes;
import io.ferry.pipeline.StageContext;
import io.ferry.ram.MalformedRamChunkException;
import io.ferry.ram.RamSection;
import io.ferry.ram.RamSection.RunEntry;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The destination half of RAM pre-copy: checks the source's block list against this machine's
 * RAM, then applies page batches. Every run of a batch is validated against guest RAM before any
 * byte of the batch is written.
 */
final class RamLoader {
    private final GuestMemory memory;
    /** Most normal pages one compressed batch may decompress to (the sender puts at most 128 in one). */
    private static final int MAX_COMPRESSED_PAGES = 1024;

    private final MemoryAccess access;
    private final ReceivedPages received; // every page must arrive at least once before LOAD_COMPLETE
    private boolean blocksSeen;
    private PageCodec codec; // the last codec a chunk named
    private ByteBuffer scratch; // decompressed page data of one batch; allocated at the first compressed chunk
    private ByteBuffer deltaScratch; // decoded XBZRLE pages of one batch; allocated at the first delta

    RamLoader(GuestMemory memory) {
        this.memory = memory;
        this.access = memory.untracked();
        this.received = new ReceivedPages(memory.pages());
    }

    void load(StageContext ctx, ByteBuffer payload) {
        if (!payload.hasRemaining()) {
            throw new MalformedRamChunkException("empty RAM chunk");
        }
        byte kind = payload.get(payload.position());
        try {
            switch (kind) {
                case RamSection.BLOCKS -> checkBlocks(payload.position(payload.position() + 1));
                case RamSection.PAGES, RamSection.PAGES_COMPRESSED -> loadPages(ctx, payload);
                default -> throw new MalformedRamChunkException("unknown RAM chunk kind " + kind);
            }
        } catch (BufferUnderflowException e) {
            throw new MalformedRamChunkException("RAM chunk of " + payload.limit() + " bytes is truncated", e);
        }
    }

    void complete(StageContext ctx) {
        if (!blocksSeen) {
            throw new IllegalStateException("the stream carried no RAM block list");
        }
        received.checkComplete();
    }

    private void checkBlocks(ByteBuffer p) {
        if (blocksSeen) {
            throw new MalformedRamChunkException("a second RAM block list: it is sent once, at SETUP");
        }
        int count = Short.toUnsignedInt(p.getShort());
        List<String> theirs = new ArrayList<>(count);
        List<Long> sizes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[Short.toUnsignedInt(p.getShort())];
            p.get(name);
            theirs.add(new String(name, StandardCharsets.UTF_8));
            sizes.add(p.getLong());
        }
        if (p.hasRemaining()) {
            throw new MalformedRamChunkException(
                    "RAM block list has " + p.remaining() + " bytes after its " + count + " entries");
        }
        List<RamBlock> ours = memory.blocks();
        if (count != ours.size()) {
            List<String> source = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                source.add(describe(theirs.get(i), sizes.get(i)));
            }
            throw new IllegalArgumentException("source has " + count + " RAM block(s) " + source + ", destination has "
                    + ours.size() + " "
                    + ours.stream().map(b -> describe(b.name(), b.size())).toList());
        }
        for (int i = 0; i < count; i++) {
            RamBlock b = ours.get(i);
            if (!b.name().equals(theirs.get(i)) || b.size() != sizes.get(i)) {
                throw new IllegalArgumentException("source RAM block " + i + " is "
                        + describe(theirs.get(i), sizes.get(i)) + ", destination's is " + describe(b.name(), b.size()));
            }
        }
        blocksSeen = true;
    }

    private static String describe(String name, long size) {
        return "'" + name + "' of " + Sizes.format(size);
    }

    private void loadPages(StageContext ctx, ByteBuffer p) {
        if (!blocksSeen) {
            throw new MalformedRamChunkException("RAM pages arrived before the block list");
        }
        int base = p.position();
        if (p.remaining() < RamSection.BATCH_HEADER) {
            throw new MalformedRamChunkException("RAM batch of " + p.remaining() + " bytes is shorter than its header");
        }
        long runCount = Integer.toUnsignedLong(p.getInt(base + 1));
        if (runCount > RamSender.MAX_RUNS) { // the format's bound, which also bounds the delta scratch buffer
            throw new MalformedRamChunkException(
                    "RAM batch declares " + runCount + " runs, at most " + RamSender.MAX_RUNS + " are accepted");
        }
        long dataStart = RamSection.BATCH_HEADER + runCount * RamSection.RUN_ENTRY;
        if (dataStart > p.limit() - base) {
            throw new MalformedRamChunkException(
                    "RAM batch declares " + runCount + " runs, more than its " + (p.limit() - base) + " bytes hold");
        }
        List<RunEntry> runs = decode(p, base, (int) runCount);
        long normal = validate(runs);
        long deltas =
                runs.stream().filter(r -> r.kind() == RamSection.RUN_XBZRLE).count();
        ByteBuffer data;
        if (p.get(base) == RamSection.PAGES_COMPRESSED) {
            if (deltas > 0) {
                throw new MalformedRamChunkException("a compressed RAM batch carries XBZRLE runs");
            }
            data = decompress(p, base + (int) dataStart, normal);
        } else {
            data = checkedData(p, base + (int) dataStart, runs);
            decodeDeltas(data, runs, (int) deltas);
        }
        apply(data, runs);
        runs.forEach(r -> received.mark(r.first(), r.count()));
        ctx.recordPages(
                normal + deltas,
                runs.stream()
                        .filter(r -> r.kind() == RamSection.RUN_ZERO)
                        .mapToLong(RunEntry::count)
                        .sum());
    }

    /**
     * The plain data of a PAGES batch, positioned at its start, once its length matches the run
     * table: 4096 bytes per normal page plus each XBZRLE run's u16 length and delta.
     */
    private static ByteBuffer checkedData(ByteBuffer p, int at, List<RunEntry> runs) {
        long expected = 0;
        for (RunEntry r : runs) {
            if (r.kind() == RamSection.RUN_XBZRLE) {
                if (at + expected + 2 > p.limit()) {
                    throw new MalformedRamChunkException("RAM batch ends before the length of an XBZRLE delta");
                }
                int length = Short.toUnsignedInt(p.getShort(at + (int) expected));
                if (length == 0 || length > PAGE_SIZE) {
                    throw new MalformedRamChunkException(
                            "XBZRLE delta of " + length + " bytes (1.." + PAGE_SIZE + " allowed)");
                }
                expected += 2 + length;
            } else {
                expected += r.dataBytes();
            }
        }
        long data = p.limit() - at;
        if (data != expected) {
            throw new MalformedRamChunkException(
                    "RAM batch carries " + data + " data bytes, its runs need " + expected);
        }
        return p.position(at);
    }

    /**
     * Decodes every XBZRLE delta of the batch against the page the destination holds, into the
     * delta scratch buffer (slot k for the k-th delta), so a bad delta fails before anything is
     * written. A page appears at most once in a batch: the source sends a page once per pass.
     */
    private void decodeDeltas(ByteBuffer data, List<RunEntry> runs, int count) {
        if (count == 0) {
            return;
        }
        if (deltaScratch == null || deltaScratch.capacity() < count * PAGE_SIZE) {
            deltaScratch = ByteBuffer.allocateDirect(Math.max(count, 64) * PAGE_SIZE);
        }
        int at = data.position();
        int k = 0;
        for (RunEntry r : runs) {
            if (r.kind() == RamSection.RUN_XBZRLE) {
                int length = Short.toUnsignedInt(data.getShort(at));
                ByteBuffer slot =
                        deltaScratch.duplicate().limit((k + 1) * PAGE_SIZE).position(k * PAGE_SIZE);
                memory.untracked().read(r.first() << PAGE_SHIFT, slot);
                slot.position(k * PAGE_SIZE);
                Xbzrle.decode(data.duplicate().limit(at + 2 + length).position(at + 2), slot, PAGE_SIZE);
                at += 2 + length;
                k++;
            } else {
                at += (int) r.dataBytes();
            }
        }
    }

    /** The data of a PAGES_COMPRESSED batch, decompressed into the scratch buffer and checked. */
    private ByteBuffer decompress(ByteBuffer p, int at, long normal) {
        if (at >= p.limit()) {
            throw new MalformedRamChunkException("compressed RAM batch has no codec byte");
        }
        if (normal > MAX_COMPRESSED_PAGES) {
            throw new MalformedRamChunkException("compressed RAM batch claims " + normal + " normal pages, at most "
                    + MAX_COMPRESSED_PAGES + " are accepted");
        }
        int code = Byte.toUnsignedInt(p.get(at));
        if (codec == null || codec.code() != code) {
            codec = PageCodec.forCode(code);
        }
        if (scratch == null) {
            scratch = ByteBuffer.allocateDirect(MAX_COMPRESSED_PAGES << PAGE_SHIFT); // off-heap, like guest RAM
        }
        p.position(at + 1);
        codec.decompress(p, scratch, (int) (normal << PAGE_SHIFT));
        return scratch;
    }

    private static List<RunEntry> decode(ByteBuffer p, int base, int count) {
        List<RunEntry> runs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            runs.add(RunEntry.read(p, RamSection.runAt(base, i)));
        }
        return runs;
    }

    /** Checks every run lies in guest RAM and has a known kind; returns the number of normal pages. */
    private long validate(List<RunEntry> runs) {
        long normal = 0;
        for (int i = 0; i < runs.size(); i++) {
            RunEntry r = runs.get(i);
            if (r.first() < 0 || r.count() == 0 || r.first() > memory.pages() - r.count()) {
                throw new MalformedRamChunkException(String.format(
                        "RAM run %d: pages [%d, +%d) outside guest RAM of %d pages",
                        i, r.first(), r.count(), memory.pages()));
            }
            if (r.kind() == RamSection.RUN_NORMAL) {
                normal += r.count();
            } else if (r.kind() == RamSection.RUN_XBZRLE && r.count() != 1) {
                throw new MalformedRamChunkException("RAM run " + i + ": an XBZRLE run is one page, not " + r.count());
            } else if (r.kind() != RamSection.RUN_ZERO && r.kind() != RamSection.RUN_XBZRLE) {
                throw new MalformedRamChunkException("RAM run " + i + ": unknown run kind " + r.kind());
            }
        }
        checkDisjoint(runs);
        return normal;
    }

    /** A page appears at most once in a batch: overlapping runs would make the result depend on their order. */
    private static void checkDisjoint(List<RunEntry> runs) {
        List<RunEntry> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingLong(RunEntry::first));
        for (int i = 1; i < sorted.size(); i++) {
            RunEntry a = sorted.get(i - 1);
            RunEntry b = sorted.get(i);
            if (b.first() < a.first() + a.count()) {
                throw new MalformedRamChunkException(String.format(
                        "RAM runs [%d, +%d) and [%d, +%d) of one batch overlap at page %d",
                        a.first(), a.count(), b.first(), b.count(), b.first()));
            }
        }
    }

    /** Writes the runs: normal ones from {@code data} in order, from its position on; deltas from their decoded slots. */
    private void apply(ByteBuffer data, List<RunEntry> runs) {
        int limit = data.limit();
        int at = data.position();
        int k = 0;
        for (RunEntry r : runs) {
            if (r.kind() == RamSection.RUN_NORMAL) {
                int bytes = (int) r.dataBytes();
                data.limit(at + bytes).position(at);
                access.write(r.first() << PAGE_SHIFT, data);
                data.limit(limit);
                at += bytes;
            } else if (r.kind() == RamSection.RUN_XBZRLE) {
                at += 2 + Short.toUnsignedInt(data.getShort(at));
                access.write(
                        r.first() << PAGE_SHIFT,
                        deltaScratch.duplicate().limit((k + 1) * PAGE_SIZE).position(k * PAGE_SIZE));
                k++;
            } else {
                zeroRun(r.first(), r.count());
            }
        }
    }

    /**
     * Zeroes the pages of a run that may not be zero: pages the memory knows are zero (fresh RAM,
     * or zeroed before) are skipped without being read or written, which would only fault them in.
     */
    private void zeroRun(long firstPage, long count) {
        KnownZeroPages known = memory.knownZero();
        long end = firstPage + count;
        long p = known.nextMaybeNonZero(firstPage, end);
        while (p >= 0) {
            long q = p + 1;
            while (q < end && !known.isKnownZero(q)) {
                q++;
            }
            access.zero(p << PAGE_SHIFT, (q - p) << PAGE_SHIFT);
            p = known.nextMaybeNonZero(q, end);
        }
    }
}
