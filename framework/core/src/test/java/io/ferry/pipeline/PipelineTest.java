package io.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.DirtyLog;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PipelineTest {
    private final Machine machine = Machine.create("m", GuestMemory.of(1 << 20));
    private static final StageHandler NOOP = ctx -> {};

    /** A plugin whose registrations are given as a lambda. */
    private static MigrationPlugin plugin(String name, Consumer<Registrar> source) {
        return new MigrationPlugin() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void registerSource(Registrar r) {
                source.accept(r);
            }
        };
    }

    @Test
    void handlersRunByPriorityDescendingThenIdAscending() {
        MigrationPlugin a = plugin("a", r -> {
            r.on(Stage.COMPLETE).id("z.after").priority(Priority.AFTER_RAM).handler(NOOP);
            r.on(Stage.COMPLETE).id("b.tie").priority(Priority.RAM).handler(NOOP);
        });
        MigrationPlugin b = plugin("b", r -> {
            r.on(Stage.COMPLETE).id("a.tie").priority(Priority.RAM).handler(NOOP);
            r.on(Stage.COMPLETE).id("y.before").priority(Priority.BEFORE_RAM).handler(NOOP);
            r.on(Stage.COMPLETE)
                    .id("x.between")
                    .priority(Priority.BEFORE_RAM - 1)
                    .handler(NOOP);
        });

        Pipeline p = Pipeline.assemble(Side.SOURCE, machine, List.of(b, a));

        assertThat(p.order(Stage.COMPLETE)).containsExactly("y.before", "x.between", "a.tie", "b.tie", "z.after");
        assertThat(p.order(Stage.SETUP)).isEmpty();
    }

    @Test
    void orderDoesNotDependOnPluginOrder() {
        MigrationPlugin a =
                plugin("a", r -> r.on(Stage.ITERATE).id("k").priority(5).handler(NOOP));
        MigrationPlugin b =
                plugin("b", r -> r.on(Stage.ITERATE).id("j").priority(5).handler(NOOP));
        assertThat(Pipeline.assemble(Side.SOURCE, machine, List.of(a, b)).order(Stage.ITERATE))
                .isEqualTo(
                        Pipeline.assemble(Side.SOURCE, machine, List.of(b, a)).order(Stage.ITERATE))
                .containsExactly("j", "k");
    }

    @Test
    void duplicateHandlerIdOnAStageIsRefused() {
        MigrationPlugin a =
                plugin("a", r -> r.on(Stage.SETUP).id("dup").priority(1).handler(NOOP));
        MigrationPlugin b =
                plugin("b", r -> r.on(Stage.SETUP).id("dup").priority(2).handler(NOOP));
        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(a, b)))
                .isInstanceOf(DuplicateRegistrationException.class)
                .hasMessageContaining("'dup'")
                .hasMessageContaining("SETUP")
                .hasMessageContaining("a and b");
    }

    @Test
    void sameIdOnDifferentStagesIsFine() {
        MigrationPlugin a = plugin("a", r -> {
            r.on(Stage.SETUP).id("same").priority(1).handler(NOOP);
            r.on(Stage.CLEANUP).id("same").priority(1).handler(NOOP);
        });
        assertThat(Pipeline.assemble(Side.SOURCE, machine, List.of(a)).order(Stage.CLEANUP))
                .containsExactly("same");
    }

    @Test
    void sectionClaimedByTwoPluginsIsRefused() {
        SectionId s = SectionId.of("dev", 0, 1);
        MigrationPlugin a = plugin(
                "a", r -> r.on(Stage.SETUP).id("a.s").priority(1).section(s).handler(NOOP));
        MigrationPlugin b = plugin(
                "b", r -> r.on(Stage.COMPLETE).id("b.s").priority(1).section(s).handler(NOOP));
        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(a, b)))
                .isInstanceOf(DuplicateRegistrationException.class)
                .hasMessageContaining("dev/0");
    }

    @Test
    void twoPluginsWithOneNameAreRefused() {
        assertThatThrownBy(() ->
                        Pipeline.assemble(Side.SOURCE, machine, List.of(plugin("x", r -> {}), plugin("x", r -> {}))))
                .isInstanceOf(DuplicateRegistrationException.class)
                .hasMessageContaining("'x'");
    }

    @Test
    void secondLoaderForASectionIsRefusedNamingThePlugin() {
        SectionId s = SectionId.of("dev", 0, 1);
        MigrationPlugin p = new MigrationPlugin() {
            @Override
            public String name() {
                return "p";
            }

            @Override
            public void registerDestination(Registrar r) {
                r.on(Stage.LOAD).id("one").priority(0).section(s).loader((ctx, b) -> {});
                r.on(Stage.LOAD).id("two").priority(0).section(s).loader((ctx, b) -> {});
            }
        };
        assertThatThrownBy(() -> Pipeline.assemble(Side.DESTINATION, machine, List.of(p)))
                .isInstanceOf(DuplicateRegistrationException.class)
                .hasMessageContaining("two loaders: one (plugin p) and two (plugin p)");
    }

    @Test
    void registrationWithoutPriorityOrIdIsRefusedNamingThePlugin() {
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(plugin("np", r -> r.on(Stage.SETUP).id("x").handler(NOOP)))))
                .hasMessageContaining("np")
                .hasMessageContaining("explicit priority");
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(plugin("ni", r -> r.on(Stage.SETUP).priority(1).handler(NOOP)))))
                .hasMessageContaining("ni")
                .hasMessageContaining("needs an id");
    }

    @Test
    void stageOfTheOtherSideIsRefused() {
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(plugin(
                                "w",
                                r -> r.on(Stage.LOAD_COMPLETE)
                                        .id("x")
                                        .priority(1)
                                        .handler(NOOP)))))
                .isInstanceOf(RegistrationException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DESTINATION stage");
    }

    @Test
    void sectionOnAStageThatEmitsNoChunksIsRefused() {
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(plugin(
                                "s",
                                r -> r.on(Stage.DIRTY_SYNC)
                                        .id("x")
                                        .priority(1)
                                        .section(SectionId.of("s", 0, 1))
                                        .handler(NOOP)))))
                .hasMessageContaining("emits no chunks");
    }

    @Test
    void badIdIsRefused() {
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(plugin(
                                "b",
                                r -> r.on(Stage.SETUP)
                                        .id("Has Space")
                                        .priority(1)
                                        .handler(NOOP)))))
                .hasMessageContaining("Has Space");
    }

    @Test
    void describeListsEveryStageOfTheSideWithPriorityPluginAndSection() {
        SectionId s = SectionId.of("dev", 0, 2);
        MigrationPlugin a = plugin("plug", r -> {
            r.on(Stage.COMPLETE).id("flush").priority(Priority.BEFORE_RAM).handler(NOOP);
            r.on(Stage.COMPLETE)
                    .id("state")
                    .priority(Priority.BEFORE_RAM - 5)
                    .section(s)
                    .handler(NOOP);
        });
        String text = Pipeline.assemble(Side.SOURCE, machine, List.of(a)).describe();
        assertThat(text)
                .contains("SETUP", "DIRTY_SYNC", "ITERATE", "COMPLETE", "CLEANUP")
                .doesNotContain("LOAD");
        assertThat(text).containsPattern("1000 BEFORE_RAM\\s+flush\\s+plug\\s+no chunk");
        assertThat(text).containsPattern("995 BEFORE_RAM-5\\s+state\\s+plug\\s+dev/0 v2");
        assertThat(text.indexOf("flush")).isLessThan(text.indexOf("state"));
    }

    @Test
    void sectionsOfTheManifestAreSortedAndVersioned() {
        MigrationPlugin a = plugin("a", r -> {
            r.on(Stage.SETUP)
                    .id("z")
                    .priority(1)
                    .section(SectionId.of("zeta", 0, 1))
                    .handler(NOOP);
            r.on(Stage.SETUP)
                    .id("a1")
                    .priority(1)
                    .section(SectionId.of("alpha", 1, 3))
                    .handler(NOOP);
            r.on(Stage.COMPLETE)
                    .id("a0")
                    .priority(1)
                    .section(SectionId.of("alpha", 0, 1))
                    .handler(NOOP);
        });
        assertThat(Pipeline.assemble(Side.SOURCE, machine, List.of(a)).sections())
                .containsExactly(SectionId.of("alpha", 0, 1), SectionId.of("alpha", 1, 3), SectionId.of("zeta", 0, 1));
    }

    @Test
    void priorityNamesDescribeOffsets() {
        assertThat(Priority.describe(Priority.RAM)).isEqualTo("RAM");
        assertThat(Priority.describe(Priority.BEFORE_RAM + 10)).isEqualTo("BEFORE_RAM+10");
        assertThat(Priority.describe(Priority.AFTER_RAM - 1)).isEqualTo("AFTER_RAM-1");
    }

    @Test
    void registryTellsListenersWhenAPluginLeaves() {
        MigrationPlugin a = plugin("a", r -> {});
        PluginRegistry registry = PluginRegistry.of(a, plugin("b", r -> {}));
        List<String> left = new java.util.ArrayList<>();
        registry.addListener(p -> left.add(p.name()));
        assertThat(registry.remove(a)).isTrue();
        assertThat(registry.remove(a)).isFalse();
        assertThat(left).containsExactly("a");
        assertThat(registry.snapshot()).extracting(MigrationPlugin::name).containsExactly("b");
    }

    @Test
    void aPluginWithDevicesThatLeavesWarnsButNotAtShutdownAndTellsTheMigrationsEitherWay() {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(PluginRegistry.class.getName());
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Level levelBefore = log.getLevel();
        log.setLevel(java.util.logging.Level.ALL);
        log.addHandler(capture);
        try {
            MigrationPlugin running = withDevice("net");
            MigrationPlugin stopping = withDevice("blk");
            PluginRegistry registry = PluginRegistry.of(running, stopping);
            List<String> left = new java.util.ArrayList<>();
            registry.addListener(p -> left.add(p.name()));

            assertThat(registry.remove(running)).isTrue();
            assertThat(registry.removeAtShutdown(stopping)).isTrue();
            assertThat(registry.removeAtShutdown(stopping)).isFalse();

            assertThat(left).as("the migrations hear of both").containsExactly("net", "blk");
            assertThat(records)
                    .extracting(r -> r.getLevel() + " " + r.getMessage())
                    .containsExactly(
                            "WARNING plugin net left: a machine with one of its devices cannot migrate until it is"
                                    + " back or the device is detached",
                            "FINE plugin blk left: a machine with one of its devices cannot migrate until it is"
                                    + " back or the device is detached");
        } finally {
            log.removeHandler(capture);
            log.setLevel(levelBefore);
        }
    }

    /** A plugin with one device model, {@code name}, that is never attached. */
    private static MigrationPlugin withDevice(String name) {
        return new MigrationPlugin() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<DeviceModel> deviceModels() {
                return List.of(new DeviceModel() {
                    @Override
                    public String name() {
                        return name;
                    }

                    @Override
                    public io.ferry.machine.Device attachToSource(Machine m, long seed) {
                        throw new UnsupportedOperationException("never attached");
                    }

                    @Override
                    public io.ferry.machine.Device attachToDestination(Machine m) {
                        throw new UnsupportedOperationException("never attached");
                    }
                });
            }
        };
    }

    @Test
    void aPluginRegistersItsDevicesDirtyLogsWithTheSourcePipeline() {
        DirtyLog blk = new DirtyLog("blk0", machine.memory().pages());
        DirtyLog net = new DirtyLog("net0", machine.memory().pages());
        Pipeline p = Pipeline.assemble(Side.SOURCE, machine, List.of(plugin("devs", r -> {
            r.dirtyLog(blk);
            r.dirtyLog(net);
        })));
        assertThat(p.dirtyLogs()).extracting(DirtyLogRegistration::log).containsExactly(blk, net);
        assertThat(p.dirtyLogs().get(0).plugin()).isEqualTo("devs");
        assertThat(p.dirtyLogs().get(0)).hasToString("dirty log blk0 (devs)");
    }

    @Test
    void twoDirtyLogsOfOneNameAreRefusedNamingBothPlugins() {
        MigrationPlugin a = plugin("a", r -> r.dirtyLog(new DirtyLog("blk0", 256)));
        MigrationPlugin b = plugin("b", r -> r.dirtyLog(new DirtyLog("blk0", 256)));
        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(a, b)))
                .isInstanceOf(DuplicateRegistrationException.class)
                .hasMessageContaining("'blk0' registered twice (by a and b)");
    }

    @Test
    void theDestinationHasNoDirtyLogs() {
        MigrationPlugin a = new MigrationPlugin() {
            @Override
            public String name() {
                return "a";
            }

            @Override
            public void registerDestination(Registrar r) {
                r.dirtyLog(new DirtyLog("blk0", 256));
            }
        };
        assertThatThrownBy(() ->
                        Pipeline.assemble(Side.DESTINATION, Machine.incoming("d", GuestMemory.of(1 << 20)), List.of(a)))
                .isInstanceOf(RegistrationException.class)
                .hasMessageContaining("blk0")
                .hasMessageContaining("source only")
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }
}
