package io.ferry.testkit.osgi;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Boots an embedded OSGi framework (the one {@link ServiceLoader} finds on the test class path,
 * Apache Felix) with every bundle of a folder installed and started, once per test class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final FelixExtension felix = FelixExtension.withBundlesIn(Path.of("target/osgi-bundles"));
 * ...
 * String out = felix.gogo().run("ferry:plugins");
 * }</pre>
 *
 * Bundles are installed first and started after, so their order does not matter.
 *
 * <p><b>Filling the bundle folder.</b> The folder must hold every bundle the test needs, and
 * nothing else: the OSGi framework itself comes from the test class path ({@code
 * org.apache.felix.framework}, test scope), never from the folder. For a plugin that means SCR and
 * the three API bundles it needs, Guava and failureaccess, {@code ferry-framework}, and the plugin
 * bundles (yours and {@code ferry-ram-plugin}); add {@code org.apache.felix.gogo.runtime} and
 * {@code ferry-shell} for {@link #gogo()}. Copy them before the tests run, with
 * maven-dependency-plugin's {@code copy} goal in {@code pre-integration-test} (failsafe runs
 * {@code *IT} classes afterwards), and pass the folder as a system property:
 *
 * <pre>{@code
 * <execution>
 *   <id>osgi-bundles</id>
 *   <phase>pre-integration-test</phase>
 *   <goals><goal>copy</goal></goals>
 *   <configuration>
 *     <outputDirectory>${project.build.directory}/osgi-bundles</outputDirectory>
 *     <stripVersion>true</stripVersion>
 *     <artifactItems>
 *       <artifactItem><groupId>org.apache.felix</groupId><artifactId>org.apache.felix.scr</artifactId></artifactItem>
 *       <artifactItem><groupId>org.osgi</groupId><artifactId>org.osgi.service.component</artifactId></artifactItem>
 *       <artifactItem><groupId>org.osgi</groupId><artifactId>org.osgi.util.promise</artifactId></artifactItem>
 *       <artifactItem><groupId>org.osgi</groupId><artifactId>org.osgi.util.function</artifactId></artifactItem>
 *       <artifactItem><groupId>com.google.guava</groupId><artifactId>guava</artifactId></artifactItem>
 *       <artifactItem><groupId>com.google.guava</groupId><artifactId>failureaccess</artifactId></artifactItem>
 *       <artifactItem><groupId>io.ferry</groupId><artifactId>ferry-framework</artifactId></artifactItem>
 *       <artifactItem><groupId>io.ferry</groupId><artifactId>ferry-ram-plugin</artifactId></artifactItem>
 *     </artifactItems>
 *   </configuration>
 * </execution>
 * }</pre>
 *
 * The plugin under test is this module's own jar, not a dependency: pass its path to failsafe
 * ({@code <ferry.plugin.jar>${project.build.directory}/${project.build.finalName}.jar</ferry.plugin.jar>}
 * under {@code systemPropertyVariables}) and add it with {@link #alsoInstall}.
 *
 * Versions come from {@code ferry-bom}. {@code examples/counter-plugin} in the Ferry repository
 * does exactly this.
 */
public final class FelixExtension implements BeforeAllCallback, AfterAllCallback {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path bundles;
    private final List<Path> extra = new ArrayList<>();
    private final Map<String, String> properties = new HashMap<>();
    private Framework framework;
    private Path storage;
    private GogoSession gogo;

    private FelixExtension(Path bundles) {
        this.bundles = checkNotNull(bundles, "bundles");
    }

    /** A framework with every {@code *.jar} of {@code folder} installed and started. */
    public static FelixExtension withBundlesIn(Path folder) {
        return new FelixExtension(folder);
    }

    /** Installs {@code jar} too, such as the plugin bundle the module under test just packaged. */
    public FelixExtension alsoInstall(Path jar) {
        extra.add(checkNotNull(jar, "jar"));
        return this;
    }

    /** Sets a framework property (bundles read them through their context). */
    public FelixExtension property(String key, String value) {
        properties.put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        storage = Files.createTempDirectory("ferry-felix");
        Map<String, String> config = new HashMap<>(properties);
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the test class path"));
        framework = factory.newFramework(config);
        framework.start();
        List<Bundle> installed = new ArrayList<>();
        try (Stream<Path> jars = Files.list(bundles)) {
            for (Path jar :
                    jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                installed.add(context().installBundle(jar.toUri().toString()));
            }
        }
        for (Path jar : extra) {
            installed.add(context().installBundle(jar.toUri().toString()));
        }
        if (installed.isEmpty()) {
            throw new IllegalStateException("no bundles in " + bundles.toAbsolutePath());
        }
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(STOP_TIMEOUT.toMillis());
        }
        if (storage != null) {
            deleteRecursively(storage);
        }
    }

    public Framework framework() {
        return framework;
    }

    public BundleContext context() {
        return framework.getBundleContext();
    }

    /** The installed bundle named {@code symbolicName}. */
    public Bundle bundle(String symbolicName) {
        for (Bundle b : context().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName + " installed");
    }

    /**
     * References to the services registered under {@code className} now. Only references: the
     * service objects belong to the bundles' class space, not the test's.
     */
    public List<ServiceReference<?>> services(String className) throws Exception {
        ServiceReference<?>[] refs = context().getAllServiceReferences(className, null);
        return refs == null ? List.of() : List.of(refs);
    }

    /** A Gogo session, created on first use once the command processor is up (waits up to 10 s). */
    public synchronized GogoSession gogo() throws Exception {
        if (gogo == null) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            List<ServiceReference<?>> refs;
            while ((refs = services("org.apache.felix.service.command.CommandProcessor")).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "no Gogo CommandProcessor service within 10 s: is gogo.runtime installed?");
                }
                Thread.sleep(10);
            }
            gogo = new GogoSession(context().getService(refs.get(0)));
        }
        return gogo;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
