package io.ferry.ram;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.ram.internal.RamPlugin;
import io.ferry.testkit.ChunkFuzzing;
import java.util.ArrayList;
import java.util.List;

/**
 * Arbitrary RAM chunks through a real destination: the load ends, and a refusal is deliberate
 * (see {@link ChunkFuzzing}). A normal build runs the stored inputs; JAZZER_FUZZ=1 fuzzes (docs/fuzzing.md).
 */
class RamLoaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void anyRamChunksLoadOrAreRefusedDeliberately(FuzzedDataProvider data) throws Exception {
        List<byte[]> chunks = new ArrayList<>();
        int count = data.consumeInt(0, 6);
        for (int i = 0; i < count; i++) {
            chunks.add(data.consumeBytes(data.consumeInt(0, 64 << 10)));
        }
        try (Machine dest = Machine.incoming(
                "fuzz",
                GuestMemory.builder()
                        .block("ram", 256 << 10)
                        .block("rom", 64 << 10)
                        .build())) {
            ChunkFuzzing.load(new RamPlugin(), dest, RamSection.ID, chunks);
        }
    }
}
