package io.ferry.its;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ferry.testkit.ChunkFuzzing;
import java.util.ArrayList;
import java.util.List;

/**
 * Arbitrary its chunks through a real destination with the device attached: the load ends, and a
 * refusal is deliberate (see {@link ChunkFuzzing}). A normal build runs the stored inputs;
 * JAZZER_FUZZ=1 fuzzes (docs/fuzzing.md).
 */
class ItsLoaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void anyChunksLoadOrAreRefusedDeliberately(FuzzedDataProvider data) throws Exception {
        List<byte[]> chunks = new ArrayList<>();
        int count = data.consumeInt(0, 6);
        for (int i = 0; i < count; i++) {
            chunks.add(data.consumeBytes(data.consumeInt(0, 64 << 10)));
        }
        ChunkFuzzing.loadIntoDevice(new io.ferry.its.internal.ItsPlugin(), "its", 16 << 20, ItsSection.ID, chunks);
    }
}
