package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plugin jars as built: bnd wrote {@code META-INF/services} from {@code @ServiceProvider}, and
 * it names the same class as the DS component, so ServiceLoader and OSGi find the same plugin.
 */
class GeneratedServiceFilesIT {
    private static final String SERVICES = "META-INF/services/io.ferry.pipeline.MigrationPlugin";
    private static final Pattern IMPLEMENTATION = Pattern.compile("<implementation class=\"([^\"]+)\"");

    @ParameterizedTest
    @ValueSource(strings = {"ferry-ram-plugin", "ferry-its-plugin", "ferry-vhost-net-plugin", "ferry-htab-plugin"})
    void serviceFileAndComponentNameOnePluginClass(String artifact) throws IOException {
        Path bundles = Path.of(
                System.getProperty(artifact.equals("ferry-htab-plugin") ? "ferry.osgi.dropin" : "ferry.osgi.bundles"));
        try (JarFile jar = new JarFile(bundles.resolve(artifact + ".jar").toFile())) {
            ZipEntry services = jar.getEntry(SERVICES);
            assertThat(services).as("%s in %s", SERVICES, artifact).isNotNull();
            List<String> listed = new String(jar.getInputStream(services).readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .toList();

            String component = jar.getManifest().getMainAttributes().getValue("Service-Component");
            assertThat(component).as("Service-Component of %s", artifact).isNotNull();
            String xml = new String(
                    jar.getInputStream(jar.getEntry(component.split(",")[0].strip()))
                            .readAllBytes(),
                    StandardCharsets.UTF_8);
            Matcher m = IMPLEMENTATION.matcher(xml);
            assertThat(m.find()).as("implementation class in %s", component).isTrue();

            assertThat(listed).containsExactly(m.group(1));
            assertThat(jar.getManifest().getMainAttributes().getValue("Provide-Capability"))
                    .contains("osgi.serviceloader=\"io.ferry.pipeline.MigrationPlugin\"");
        }
    }
}
