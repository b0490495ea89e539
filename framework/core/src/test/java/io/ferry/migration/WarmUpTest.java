package io.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.pipeline.PluginRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The warm-up's rounds reuse two memories, and a memory belongs to one machine at a time. */
class WarmUpTest {
    @Test
    void everyRoundBuildsItsMachinesOverTheMemoriesThePreviousRoundHandedOn() throws Exception {
        Migrator migrator = new Migrator(new PluginRegistry()); // no plugin: the rounds stay cheap
        Duration took = migrator.warmUp().get(2, TimeUnit.MINUTES);
        assertThat(took).isPositive();
    }
}
