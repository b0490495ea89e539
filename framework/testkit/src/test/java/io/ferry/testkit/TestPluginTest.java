package io.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import io.ferry.pipeline.Pipeline;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.SectionId;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestPluginTest {
    private static final SectionId SECTION = SectionId.of("probe", 0, 1);

    @Test
    void registersEachHandlerOnItsSideInPriorityOrder() {
        TestPlugin plugin = TestPlugin.named("probe")
                .source(Stage.COMPLETE, Priority.AFTER_RAM, "probe.after", ctx -> {})
                .source(Stage.COMPLETE, Priority.BEFORE_RAM, "probe.before", SECTION, ctx -> {})
                .destination(Stage.LOAD_COMPLETE, Priority.AFTER_RAM, "probe.loaded", ctx -> {})
                .loader(Priority.RAM, "probe.load", SECTION, (ctx, payload) -> {});
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            Pipeline source = Pipeline.assemble(Side.SOURCE, m, List.of(plugin));
            Pipeline destination = Pipeline.assemble(Side.DESTINATION, m, List.of(plugin));

            assertThat(source.order(Stage.COMPLETE)).containsExactly("probe.before", "probe.after");
            assertThat(source.sections()).containsExactly(SECTION);
            assertThat(destination.order(Stage.LOAD_COMPLETE)).containsExactly("probe.loaded");
            assertThat(destination.loaderFor(SECTION)).isPresent();
        }
    }

    @Test
    void eachStepReturnsANewPluginAndLeavesTheOldOneAlone() {
        TestPlugin empty = TestPlugin.named("p");
        TestPlugin one = empty.source(Stage.SETUP, 1, "p.setup", ctx -> {});
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            assertThat(Pipeline.assemble(Side.SOURCE, m, List.of(empty)).order(Stage.SETUP))
                    .isEmpty();
            assertThat(Pipeline.assemble(Side.SOURCE, m, List.of(one)).order(Stage.SETUP))
                    .containsExactly("p.setup");
        }
    }

    @Test
    void aStageOfTheWrongSideIsRefusedAtOnce() {
        assertThatThrownBy(() -> TestPlugin.named("p").source(Stage.LOAD_COMPLETE, 1, "x", ctx -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DESTINATION stage");
        assertThatThrownBy(() -> TestPlugin.named("p").destination(Stage.LOAD, 1, "x", ctx -> {}))
                .hasMessageContaining("loader()");
    }
}
