package io.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.machine.Device;
import io.ferry.machine.GuestMemory;
import io.ferry.machine.Machine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two plugins of one name (two versions of a bundle deployed side by side): the first stays in
 * use, the other is held back until it leaves, and no migration is refused meanwhile.
 */
class PluginRegistryTest {
    private final Logger log = Logger.getLogger(PluginRegistry.class.getName());
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Level levelBefore;

    @BeforeEach
    void captureLog() {
        levelBefore = log.getLevel();
        log.setLevel(Level.ALL);
        log.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        log.removeHandler(capture);
        log.setLevel(levelBefore);
    }

    /** Plugin "dup" with one device model; {@link DupCopy} is the same plugin from other code. */
    private static class Dup implements MigrationPlugin {
        private final String model;

        Dup(String model) {
            this.model = model;
        }

        @Override
        public String name() {
            return "dup";
        }

        @Override
        public List<DeviceModel> deviceModels() {
            return List.of(new DeviceModel() {
                @Override
                public String name() {
                    return model;
                }

                @Override
                public Device attachToSource(Machine m, long seed) {
                    throw new UnsupportedOperationException("never attached");
                }

                @Override
                public Device attachToDestination(Machine m) {
                    throw new UnsupportedOperationException("never attached");
                }
            });
        }
    }

    private static final class DupCopy extends Dup {
        DupCopy(String model) {
            super(model);
        }
    }

    private static MigrationPlugin named(String name) {
        return () -> name;
    }

    /** The plugins the registry tells its listeners have left, as it tells them. */
    private static List<MigrationPlugin> departures(PluginRegistry registry) {
        List<MigrationPlugin> left = new CopyOnWriteArrayList<>();
        registry.addListener(left::add);
        return left;
    }

    private static List<String> modelNames(PluginRegistry registry) {
        return registry.deviceModels().stream().map(DeviceModel::name).toList();
    }

    @Test
    void theFirstPluginOfANameStaysInUseAndALaterOneIsHeldBackWithAWarning() {
        MigrationPlugin first = new Dup("first-model");
        MigrationPlugin later = new DupCopy("later-model");
        MigrationPlugin other = named("a-other");
        PluginRegistry registry = PluginRegistry.of(first, other, later);

        assertThat(registry.snapshot()).containsExactly(other, first);
        assertThat(registry.heldBack()).containsExactly(later);
        assertThat(modelNames(registry)).containsExactly("first-model");
        assertThat(registry.deviceModel("first-model").name()).isEqualTo("first-model");
        try (Machine m = Machine.create("m", GuestMemory.of(1 << 20))) {
            assertThat(Pipeline.assemble(Side.SOURCE, m, registry.snapshot()).plugins())
                    .as("a migration is not refused for the second copy")
                    .containsExactly("a-other", "dup");
        }
        assertThat(records).hasSize(1);
        LogRecord warning = records.get(0);
        assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
        assertThat(warning.getMessage())
                .contains("'dup'")
                .contains(DupCopy.class.getName())
                .contains(Dup.class.getName() + " ")
                .contains(String.valueOf(Dup.class.getClassLoader()))
                .contains("ignored");
    }

    @Test
    void whenThePluginInUseLeavesTheHeldBackOneTakesItsPlaceAndTheListenersHearOfTheOneThatLeft() {
        MigrationPlugin first = new Dup("first-model");
        MigrationPlugin later = new DupCopy("later-model");
        PluginRegistry registry = PluginRegistry.of(first, later);
        List<MigrationPlugin> left = departures(registry);

        assertThat(registry.remove(first)).isTrue();

        assertThat(left).as("the migrations that use it fail").containsExactly(first);
        assertThat(registry.snapshot()).containsExactly(later);
        assertThat(modelNames(registry)).containsExactly("later-model");
        assertThat(registry.removeAtShutdown(later)).isTrue();
        assertThat(left).containsExactly(first, later);
        assertThat(registry.snapshot()).isEmpty();
    }

    @Test
    void aHeldBackPluginThatLeavesIsNoNewsToTheListenersAndTheOneInUseStays() {
        MigrationPlugin first = new Dup("first-model");
        MigrationPlugin later = new DupCopy("later-model");
        PluginRegistry registry = PluginRegistry.of(first, later);
        List<MigrationPlugin> left = departures(registry);

        assertThat(registry.remove(later)).isTrue();
        assertThat(registry.remove(later)).isFalse();

        assertThat(left).as("no migration used it").isEmpty();
        assertThat(registry.snapshot()).containsExactly(first);
        assertThat(records)
                .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .as("only the warning when it was added")
                .hasSize(1);
        assertThat(registry.remove(first)).isTrue();
        assertThat(left).containsExactly(first);
        assertThat(registry.snapshot()).isEmpty();
    }

    /** One instance added twice (an embedding program's slip, two service registrations): it leaves with the last. */
    @Test
    void aPluginAddedTwiceStaysInUseUntilRemovedAsOftenAsAdded() {
        MigrationPlugin once = new Dup("model");
        PluginRegistry registry = PluginRegistry.of(once, once);
        List<MigrationPlugin> left = departures(registry);

        assertThat(registry.snapshot()).containsExactly(once);
        assertThat(registry.remove(once)).isTrue();
        assertThat(left).isEmpty();
        assertThat(registry.snapshot()).containsExactly(once);
        assertThat(registry.remove(once)).isTrue();
        assertThat(left).containsExactly(once);
        assertThat(registry.snapshot()).isEmpty();
    }

    /** The entries the registry tells its listeners have ended, as it tells them. */
    private static List<PluginRegistry.Entry> endedEntries(PluginRegistry registry) {
        List<PluginRegistry.Entry> ended = new CopyOnWriteArrayList<>();
        registry.addListener(new PluginRegistry.Listener() {
            @Override
            public void removed(MigrationPlugin plugin) {
                throw new AssertionError("the registry tells ended, not removed, when a listener overrides it");
            }

            @Override
            public void ended(PluginRegistry.Entry entry) {
                ended.add(entry);
            }
        });
        return ended;
    }

    private static long stampInUse(PluginRegistry registry) {
        assertThat(registry.entriesInUse()).hasSize(1);
        return registry.entriesInUse().get(0).stamp();
    }

    /**
     * The same instance removed and added again is another entry: the word of the removal names
     * the one that ended, which a migration started after the add does not hold.
     */
    @Test
    void theSameInstanceAddedAgainAfterItLeftIsAnotherEntry() {
        MigrationPlugin plugin = new Dup("model");
        PluginRegistry registry = PluginRegistry.of(plugin);
        List<PluginRegistry.Entry> ended = endedEntries(registry);
        long first = stampInUse(registry);

        assertThat(registry.remove(plugin)).isTrue();
        registry.add(plugin);

        assertThat(ended).extracting(PluginRegistry.Entry::stamp).containsExactly(first);
        assertThat(ended.get(0).plugin()).isSameAs(plugin);
        assertThat(registry.entriesInUse().get(0).plugin()).isSameAs(plugin);
        assertThat(stampInUse(registry)).isGreaterThan(first);
    }

    /**
     * An instance added twice keeps the entry it was in use under until removed as often: the
     * migrations that hold it must hear when it ends, and only then.
     */
    @Test
    void anInstanceAddedTwiceStaysInUseUnderItsFirstEntryUntilItsLastRemoval() {
        MigrationPlugin plugin = new Dup("model");
        PluginRegistry registry = PluginRegistry.of(plugin, plugin);
        List<PluginRegistry.Entry> ended = endedEntries(registry);
        long first = stampInUse(registry);

        assertThat(registry.remove(plugin)).isTrue();
        assertThat(ended).isEmpty();
        assertThat(stampInUse(registry)).isEqualTo(first);
        assertThat(registry.remove(plugin)).isTrue();
        assertThat(ended).extracting(PluginRegistry.Entry::stamp).containsExactly(first);
    }

    /**
     * Added again behind a held-back plugin of its name, the instance in use stays in use when
     * removed once: that removal undoes its latest add, as the warning at that add promised.
     */
    @Test
    void anInstanceAddedAgainBehindAHeldBackPluginStaysInUseWhenRemovedOnce() {
        MigrationPlugin first = new Dup("first-model");
        MigrationPlugin later = new DupCopy("later-model");
        PluginRegistry registry = PluginRegistry.of(first, later, first);
        List<MigrationPlugin> left = departures(registry);

        assertThat(registry.remove(first)).isTrue();

        assertThat(left).isEmpty();
        assertThat(registry.snapshot()).containsExactly(first);
        assertThat(registry.heldBack()).containsExactly(later);
        assertThat(registry.remove(first)).isTrue();
        assertThat(left).containsExactly(first);
        assertThat(registry.snapshot()).containsExactly(later);
    }

    private static PluginRegistry.ServiceRank service(int ranking, long id) {
        return new PluginRegistry.ServiceRank(ranking, id);
    }

    /** Two services of a name: OSGi's order decides, not arrival, and the warning says so. */
    @Test
    void ofTwoServicesOfANameTheOneOfHigherRankingIsInUseWhicheverCameFirst() {
        MigrationPlugin low = new Dup("low-model");
        MigrationPlugin high = new DupCopy("high-model");
        PluginRegistry registry = new PluginRegistry();
        List<MigrationPlugin> left = departures(registry);

        registry.add(low, service(0, 7));
        registry.add(high, service(5, 9));

        assertThat(registry.snapshot()).containsExactly(high);
        assertThat(registry.heldBack()).containsExactly(low);
        assertThat(modelNames(registry)).containsExactly("high-model");
        assertThat(left).as("a migration that started with the other keeps it").isEmpty();
        assertThat(records)
                .filteredOn(r -> r.getLevel() == Level.WARNING)
                .singleElement()
                .extracting(LogRecord::getMessage)
                .asString()
                .contains(DupCopy.class.getName() + " from ")
                .contains("service.ranking 5, service.id 9")
                .contains("ranks above");
    }

    @Test
    void ofTwoServicesOfOneRankingTheOneOfLowerServiceIdIsInUseWhicheverCameFirst() {
        MigrationPlugin later = new Dup("later-id");
        MigrationPlugin earlier = new DupCopy("earlier-id");
        PluginRegistry registry = new PluginRegistry();

        registry.add(later, service(3, 12));
        registry.add(earlier, service(3, 4));

        assertThat(registry.snapshot()).containsExactly(earlier);
        assertThat(registry.heldBack()).containsExactly(later);
    }

    /** A plugin added without a rank ranks 0, after the services of ranking 0 and before those below. */
    @Test
    void aPluginAddedWithoutARankRanksZeroAfterTheServicesOfRankingZero() {
        MigrationPlugin plain = new Dup("plain");
        MigrationPlugin atZero = new DupCopy("at-zero");
        MigrationPlugin below = new DupCopy("below");
        PluginRegistry registry = PluginRegistry.of(plain);

        registry.add(below, service(-1, 2));
        assertThat(registry.snapshot()).containsExactly(plain);
        registry.add(atZero, service(0, 30));

        assertThat(registry.snapshot()).containsExactly(atZero);
        assertThat(registry.heldBack()).as("in the order they would take over").containsExactly(plain, below);
    }

    /**
     * The plugin in use when a higher-ranked one arrived is held back, but migrations that started
     * before hold it: its departure is news to them. One never in use leaves without a word.
     */
    @Test
    void aPluginDisplacedByAHigherRankedOneTellsTheListenersWhenItLeaves() {
        MigrationPlugin first = new Dup("first");
        MigrationPlugin higher = new DupCopy("higher");
        MigrationPlugin neverUsed = new DupCopy("never-used");
        PluginRegistry registry = new PluginRegistry();
        registry.add(first, service(0, 1));
        List<PluginRegistry.Entry> ended = endedEntries(registry);
        long stampOfFirst = stampInUse(registry);
        registry.add(higher, service(5, 2));
        registry.add(neverUsed, service(-5, 3));

        assertThat(registry.remove(neverUsed, service(-5, 3))).isTrue();
        assertThat(ended).isEmpty();
        assertThat(registry.remove(first, service(0, 1))).isTrue();

        assertThat(ended).extracting(PluginRegistry.Entry::stamp).containsExactly(stampOfFirst);
        assertThat(registry.snapshot()).containsExactly(higher);
        assertThat(registry.heldBack()).isEmpty();
    }

    /**
     * A service whose ranking changes stays the same entry: the plugin in use may change for the
     * migrations that start afterwards, and no listener hears of a departure.
     */
    @Test
    void aChangedRankingMayChangeThePluginInUseWithoutAWordToTheListeners() {
        MigrationPlugin first = new Dup("first");
        MigrationPlugin second = new DupCopy("second");
        PluginRegistry registry = new PluginRegistry();
        registry.add(second, service(0, 2));
        long stampOfSecond = stampInUse(registry);
        registry.add(first, service(5, 1));
        List<PluginRegistry.Entry> ended = endedEntries(registry);

        assertThat(registry.rerank(second, service(9, 2))).isTrue();

        assertThat(registry.snapshot()).containsExactly(second);
        assertThat(stampInUse(registry)).as("the same entry").isEqualTo(stampOfSecond);
        assertThat(registry.heldBack()).containsExactly(first);
        assertThat(ended).isEmpty();
        assertThat(registry.rerank(second, service(9, 77)))
                .as("no such service")
                .isFalse();
        assertThat(registry.rerank(first, service(9, 2)))
                .as("another plugin's service")
                .isFalse();
    }

    /** One instance registered as two services: a removal names the service by its id. */
    @Test
    void aRemovalOfAServiceRemovesThatServicesEntryOfTheInstance() {
        MigrationPlugin twice = new Dup("twice");
        MigrationPlugin other = new DupCopy("other");
        PluginRegistry registry = new PluginRegistry();
        registry.add(twice, service(9, 1));
        registry.add(other, service(5, 2));
        registry.add(twice, service(0, 3));

        assertThat(registry.remove(twice, service(0, 1)))
                .as("the ranking does not matter")
                .isTrue();

        assertThat(registry.snapshot()).containsExactly(other);
        assertThat(registry.heldBack()).containsExactly(twice);
        assertThat(registry.remove(twice, service(0, 1))).isFalse();
    }

    /** A copy coming and going on another thread never shows in a snapshot, nor displaces the one in use. */
    @Test
    void aSnapshotTakenWhileACopyComesAndGoesHoldsOnlyThePluginInUse() throws Exception {
        MigrationPlugin first = new Dup("first-model");
        MigrationPlugin later = new DupCopy("later-model");
        PluginRegistry registry = PluginRegistry.of(first);
        List<MigrationPlugin> left = departures(registry);
        log.setLevel(Level.OFF); // thousands of warnings otherwise
        Thread churn = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                registry.add(later);
                registry.remove(later);
            }
        });
        churn.start();
        List<List<MigrationPlugin>> wrong = new ArrayList<>();
        while (churn.isAlive()) {
            List<MigrationPlugin> now = registry.snapshot();
            if (!now.equals(List.of(first)) && wrong.size() < 3) {
                wrong.add(now);
            }
        }
        churn.join();
        assertThat(wrong).isEmpty();
        assertThat(left).isEmpty();
        assertThat(registry.snapshot()).containsExactly(first);
    }

    @Test
    void anUnmodifiableViewReadsTheRegistryLiveAndRefusesEveryChange() {
        MigrationPlugin first = new Dup("first-model");
        MigrationPlugin later = new DupCopy("later-model");
        PluginRegistry registry = PluginRegistry.of(first);
        PluginRegistry view = registry.unmodifiableView();
        List<MigrationPlugin> left = departures(view);

        assertThatThrownBy(() -> view.add(later))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("cannot add plugin dup: this is a read-only view of a plugin registry");
        assertThatThrownBy(() -> view.remove(first))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("cannot remove plugin dup");
        assertThatThrownBy(() -> view.removeAtShutdown(first)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(view.unmodifiableView()).isSameAs(view);
        assertThat(registry.snapshot())
                .as("the refused changes left the registry as it was")
                .containsExactly(first);

        registry.add(later);
        assertThat(view.heldBack()).containsExactly(later);
        registry.remove(first);
        assertThat(view.snapshot()).containsExactly(later);
        assertThat(modelNames(view)).containsExactly("later-model");
        assertThat(left).as("a listener added through the view").containsExactly(first);
        assertThatThrownBy(() -> view.rerank(later, new PluginRegistry.ServiceRank(5, 1)))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("cannot rerank plugin dup");
    }

    /** A listener's bug, or a listener of a stopped bundle whose classes are gone. */
    static Stream<Throwable> listenerFailures() {
        return Stream.of(
                new IllegalStateException("a listener's bug"),
                new NoClassDefFoundError("com/example/GoneWithItsBundle"));
    }

    @ParameterizedTest
    @MethodSource("listenerFailures")
    void aListenerThatThrowsKeepsNeitherTheOthersFromHearingNorTheRemovalFromEnding(Throwable failure) {
        MigrationPlugin p = named("p");
        PluginRegistry registry = PluginRegistry.of(p);
        registry.addListener(gone -> {
            if (failure instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) failure;
        });
        List<MigrationPlugin> left = departures(registry);

        assertThat(registry.remove(p)).isTrue();

        assertThat(left).containsExactly(p);
        assertThat(registry.snapshot()).isEmpty();
    }

    @Test
    void aPlainRemoveOfAnInstanceAddedPlainAndAsAServiceLeavesTheEntryInUse() {
        MigrationPlugin p = named("p");
        PluginRegistry registry = new PluginRegistry();
        registry.add(p); // plain: ranks after the services of ranking 0
        registry.add(p, service(0, 5)); // in use now
        PluginRegistry.Entry held = registry.entriesInUse().get(0); // as a migration starting now pins it
        List<PluginRegistry.Entry> ended = new CopyOnWriteArrayList<>();
        registry.addListener(new PluginRegistry.Listener() {
            @Override
            public void removed(MigrationPlugin plugin) {}

            @Override
            public void ended(PluginRegistry.Entry entry) {
                ended.add(entry);
            }
        });

        assertThat(registry.remove(p)).isTrue();

        assertThat(registry.contains(held))
                .as("the entry migrations hold is still here")
                .isTrue();
        assertThat(ended)
                .as("what ended is the plain add (in use before the service came), not the entry held now")
                .noneMatch(e -> e.stamp() == held.stamp());
        assertThat(registry.snapshot()).containsExactly(p);
    }

    @Test
    void removingAListenerRemovesThatInstanceOnlyNotOneItEquals() {
        MigrationPlugin p = named("p");
        PluginRegistry registry = PluginRegistry.of(p);
        List<MigrationPlugin> left = departures(registry);
        registry.removeListener(new PluginRegistry.Listener() {
            @Override
            public void removed(MigrationPlugin plugin) {}

            @Override
            public boolean equals(Object o) {
                return true; // "equal" to every listener
            }

            @Override
            public int hashCode() {
                return 0;
            }
        });

        registry.remove(p);

        assertThat(left).containsExactly(p);
    }
}
