package io.ferry.its;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.its.internal.ItsPlugin;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.pipeline.DeviceModel;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.PluginRegistry;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItsPluginTest {
    @Test
    void serviceLoaderFindsThePluginAndItOffersTheItsModel() {
        List<MigrationPlugin> found =
                PluginRegistry.fromServiceLoader(getClass().getClassLoader()).snapshot();
        assertThat(found)
                .filteredOn(p -> p.name().equals("its"))
                .singleElement()
                .isInstanceOf(ItsPlugin.class)
                .satisfies(p -> assertThat(p.deviceModels())
                        .extracting(DeviceModel::name)
                        .containsExactly("its"));
    }

    @Test
    void aMachineWithoutAnItsGetsNoHandlers() {
        try (Machine plain = Machine.create("plain", GuestMemory.of(8 << 20))) {
            Pipeline source = Pipeline.assemble(Side.SOURCE, plain, List.of(new ItsPlugin()));
            assertThat(source.order(Stage.COMPLETE)).isEmpty();
            assertThat(source.sections()).isEmpty();
        }
    }

    @Test
    void theModelRefusesRamTooSmallForItsRegionAndAttachesNothing() {
        try (Machine small = Machine.create("small", GuestMemory.of(2 << 20))) {
            DeviceModel model = new ItsPlugin().deviceModels().get(0);
            assertThatThrownBy(() -> model.attachToSource(small, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs at least 4194304 bytes of guest RAM");
            assertThat(small.devices()).isEmpty();
            assertThat(small.vcpus()).isEmpty();
        }
    }
}
