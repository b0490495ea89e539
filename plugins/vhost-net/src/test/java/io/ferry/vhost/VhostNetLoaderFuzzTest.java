package io.ferry.vhost;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.testkit.ChunkFuzzing;
import java.util.ArrayList;
import java.util.List;

/**
 * Arbitrary vhost-net chunks through a real destination with the device attached: the load ends, and a
 * refusal is deliberate (see {@link ChunkFuzzing}). A normal build runs the stored inputs;
 * JAZZER_FUZZ=1 fuzzes (docs/fuzzing.md).
 */
class VhostNetLoaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void anyChunksLoadOrAreRefusedDeliberately(FuzzedDataProvider data) throws Exception {
        List<byte[]> chunks = new ArrayList<>();
        int count = data.consumeInt(0, 6);
        for (int i = 0; i < count; i++) {
            chunks.add(data.consumeBytes(data.consumeInt(0, 64 << 10)));
        }
        io.ferry.vhost.internal.VhostNetPlugin plugin = new io.ferry.vhost.internal.VhostNetPlugin();
        PluginRegistry registry = new PluginRegistry();
        registry.add(plugin);
        try (Machine dest = Machine.incoming("fuzz", GuestMemory.of(16 << 20))) {
            registry.deviceModel("vhost-net").attachToDestination(dest);
            ChunkFuzzing.load(plugin, dest, VhostNetSection.ID, chunks);
        }
    }
}
