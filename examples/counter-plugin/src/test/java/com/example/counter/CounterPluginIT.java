package com.example.counter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkit.Await;
import io.ferry.testkit.osgi.FelixExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** The packaged plugin in a real Felix, beside SCR, the framework and the RAM plugin. */
class CounterPluginIT {
    @RegisterExtension
    static final FelixExtension FELIX = FelixExtension.withBundlesIn(Path.of(System.getProperty("ferry.osgi.bundles")))
            .alsoInstall(Path.of(System.getProperty("ferry.plugin.jar")));

    @Test
    void theBundleStartsAndOffersItsPluginAsAService() throws Exception {
        Bundle plugin = FELIX.bundle("counter-plugin");
        assertThat(plugin.getState()).isEqualTo(Bundle.ACTIVE);

        Await.until(Duration.ofSeconds(30), () -> byCounter(), "SCR to register the counter plugin's service");

        List<ServiceReference<?>> plugins = FELIX.services("io.ferry.pipeline.MigrationPlugin");
        assertThat(plugins)
                .extracting(r -> r.getBundle().getSymbolicName())
                .contains("counter-plugin", "ferry-ram-plugin");
        assertThat(plugin.getEntry("META-INF/services/io.ferry.pipeline.MigrationPlugin"))
                .isNotNull();
    }

    private static boolean byCounter() {
        try {
            return FELIX.services("io.ferry.pipeline.MigrationPlugin").stream()
                    .anyMatch(r -> r.getBundle().getSymbolicName().equals("counter-plugin"));
        } catch (Exception e) {
            return false;
        }
    }
}
