package io.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the pipeline refuses at assembly, and the types it refuses it with. */
class RegistrationContractTest {
    private static final StageHandler NOOP = ctx -> {};
    private static final SectionId DEV = SectionId.of("dev", 0, 1);
    private final Machine machine = Machine.create("m", GuestMemory.of(1 << 20));

    @AfterEach
    void close() {
        machine.close();
    }

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

    /** A plugin offering device model {@code "dev"}: a device with a vCPU and a reserved page. */
    private static MigrationPlugin devicePlugin() {
        return new DevPlugin();
    }

    private static class DevPlugin implements MigrationPlugin {
        @Override
        public String name() {
            return "devplug";
        }

        @Override
        public void registerDestination(Registrar r) {
            if (r.machine().device("dev0").isPresent()) {
                r.on(Stage.LOAD).id("dev.load").priority(1).section(DEV).loader((ctx, payload) -> {});
            }
        }

        @Override
        public List<DeviceModel> deviceModels() {
            return List.of(new DeviceModel() {
                @Override
                public String name() {
                    return "dev";
                }

                @Override
                public Device attachToSource(Machine m, long seed) {
                    return attach(m);
                }

                @Override
                public Device attachToDestination(Machine m) {
                    return attach(m);
                }
            });
        }
    }

    /** The same plugin from other code, as after its bundle was deleted and deployed again. */
    private static final class DevPluginCopy extends DevPlugin {}

    private static Device attach(Machine m) {
        Device d = new Device() {
            @Override
            public String id() {
                return "dev0";
            }

            @Override
            public String stateFingerprint() {
                return "-";
            }
        };
        m.reserve("dev", 0, 4096);
        m.attach(d);
        m.startVcpu("dev-driver", 1000, step -> {});
        return d;
    }

    @Test
    void aRegistrationNeverCompletedIsRefusedNamingPluginStageAndId() {
        MigrationPlugin forgetful =
                plugin("forgetful", r -> r.on(Stage.COMPLETE).id("fl.flush").priority(Priority.BEFORE_RAM));

        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(forgetful)))
                .isInstanceOf(RegistrationException.class)
                .hasMessageContaining("forgetful")
                .hasMessageContaining("COMPLETE")
                .hasMessageContaining("fl.flush")
                .hasMessageContaining("handler()");
    }

    @Test
    void anIncompleteLoadRegistrationIsRefusedOnTheDestination() {
        MigrationPlugin forgetful = new MigrationPlugin() {
            @Override
            public String name() {
                return "forgetful";
            }

            @Override
            public void registerDestination(Registrar r) {
                r.on(Stage.LOAD).id("fl.load").priority(1).section(SectionId.of("fl", 0, 1));
            }
        };

        assertThatThrownBy(() -> Pipeline.assemble(Side.DESTINATION, machine, List.of(forgetful)))
                .isInstanceOf(RegistrationException.class)
                .hasMessageContaining("fl.load")
                .hasMessageContaining("loader()");
    }

    @Test
    void everyRegistrationMistakeIsARegistrationException() {
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
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(plugin("np", r -> r.on(Stage.SETUP).id("x").handler(NOOP)))))
                .isInstanceOf(RegistrationException.class);
        assertThatThrownBy(() -> Pipeline.assemble(
                        Side.SOURCE,
                        machine,
                        List.of(
                                plugin(
                                        "a",
                                        r -> r.on(Stage.SETUP)
                                                .id("d")
                                                .priority(1)
                                                .handler(NOOP)),
                                plugin(
                                        "b",
                                        r -> r.on(Stage.SETUP)
                                                .id("d")
                                                .priority(2)
                                                .handler(NOOP)))))
                .isInstanceOf(DuplicateRegistrationException.class)
                .isInstanceOf(RegistrationException.class);
        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(plugin("boom", r -> {
                    throw new UnsupportedOperationException("not today");
                }))))
                .isInstanceOf(RegistrationException.class)
                .hasMessageContaining("boom")
                .hasMessageContaining("not today");
    }

    @Test
    void aDeviceWhosePluginLeftFailsEveryLaterAssemblyNamingThePlugin() {
        PluginRegistry registry = PluginRegistry.of(devicePlugin());
        registry.deviceModel("dev").attachToSource(machine, 1);
        MigrationPlugin other = plugin("other", r -> {});

        assertThat(Pipeline.assemble(Side.SOURCE, machine, registry.snapshot()).plugins())
                .containsExactly("devplug");
        registry.remove(registry.snapshot().get(0));

        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(other)))
                .isInstanceOf(MissingPluginException.class)
                .hasMessageContaining("dev0")
                .hasMessageContaining("'devplug'")
                .satisfies(
                        e -> assertThat(((MissingPluginException) e).plugin()).isEqualTo("devplug"));
        assertThatThrownBy(() -> Pipeline.assemble(Side.DESTINATION, machine, List.of(other)))
                .isInstanceOf(MissingPluginException.class);
    }

    @Test
    void detachingTheDeviceStopsItsVcpusFreesItsRegionsAndLetsTheMachineMigrateAgain() throws Exception {
        PluginRegistry registry = PluginRegistry.of(devicePlugin());
        registry.deviceModel("dev").attachToSource(machine, 1);
        assertThat(machine.ownerOf("dev0"))
                .hasValueSatisfying(o -> assertThat(o.plugin()).isEqualTo("devplug"));
        assertThat(machine.vcpus()).extracting(v -> v.name()).containsExactly("dev-driver");
        assertThat(machine.reservedRegions()).extracting(r -> r.owner()).containsExactly("dev");
        registry.remove(registry.snapshot().get(0));

        Device detached = machine.detach("dev0");

        assertThat(detached.id()).isEqualTo("dev0");
        assertThat(machine.devices()).isEmpty();
        assertThat(machine.vcpus()).isEmpty();
        assertThat(machine.reservedRegions()).isEmpty();
        assertThat(Pipeline.assemble(Side.SOURCE, machine, List.of()).plugins()).isEmpty();
        assertThatThrownBy(() -> machine.detach("dev0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no device 'dev0'");
    }

    @Test
    void aDeviceCanNameItsPluginItself() {
        machine.attach(new Device() {
            @Override
            public String id() {
                return "self0";
            }

            @Override
            public String stateFingerprint() {
                return "-";
            }

            @Override
            public java.util.Optional<String> plugin() {
                return java.util.Optional.of("selfplug");
            }
        });

        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of()))
                .isInstanceOf(MissingPluginException.class)
                .hasMessageContaining("self0")
                .hasMessageContaining("'selfplug'");
    }

    @Test
    void aRegistrarStashedForLaterIsClosed() {
        Registrar[] kept = new Registrar[1];
        Pipeline.assemble(Side.SOURCE, machine, List.of(plugin("late", r -> kept[0] = r)));

        assertThatThrownBy(() -> kept[0].on(Stage.SETUP))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("late")
                .hasMessageContaining("closed");
    }

    @Test
    void aDestinationWithThePluginButNotTheDeviceSaysWhichDeviceIsMissing() {
        Machine dst = Machine.incoming("dst", GuestMemory.of(1 << 20));
        PluginRegistry registry = PluginRegistry.of(devicePlugin(), plugin("other", r -> {}));

        Pipeline without = Pipeline.assemble(Side.DESTINATION, dst, registry.snapshot());

        assertThat(without.loaderFor(DEV)).isEmpty();
        assertThat(without.missingLoader(DEV))
                .isEqualTo(
                        "section dev/0 v1 has no handler on the destination:"
                                + " machine dst lacks the device of plugin devplug (device model dev): attach it before the migration");
        assertThat(without.missingLoader(SectionId.of("disk", 0, 1)))
                .contains("machine dst lacks the device of plugin devplug");

        registry.deviceModel("dev").attachToDestination(dst);
        Pipeline with = Pipeline.assemble(Side.DESTINATION, dst, registry.snapshot());
        assertThat(with.loaderFor(DEV)).isPresent();
        assertThat(with.missingLoader(SectionId.of("disk", 0, 1)))
                .isEqualTo(
                        "section disk/0 v1 has no handler on the destination: none of its plugins [devplug, other] loads it");
        dst.close();
    }

    @Test
    void aPluginBackFromOtherCodeCannotMigrateTheDeviceTheOldCodeMade() {
        PluginRegistry registry = PluginRegistry.of(devicePlugin());
        registry.deviceModel("dev").attachToSource(machine, 1);

        assertThatThrownBy(() -> Pipeline.assemble(Side.SOURCE, machine, List.of(new DevPluginCopy())))
                .isInstanceOf(MissingPluginException.class)
                .hasMessageContaining("dev0")
                .hasMessageContaining("another copy")
                .hasMessageContaining("detach the device");
        assertThat(Pipeline.assemble(Side.SOURCE, machine, List.of(new DevPlugin()))
                        .plugins())
                .containsExactly("devplug");
    }
}
