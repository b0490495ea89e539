package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The example plugin builds on its own, as a plugin author's project would: a copy of
 * {@code examples/counter-plugin} outside the repository, built with {@code mvn -o verify}
 * against a local repository that holds only installed artifacts: this build's Ferry artifacts
 * (installed here, in Maven's repository layout) and the third-party ones the build already has.
 */
class ExampleBuildsAloneIT {
    private static final long BUILD_MINUTES = 10;

    private final Path root =
            Path.of(System.getProperty("ferry.root")).toAbsolutePath().normalize();
    private final String version = System.getProperty("ferry.version");
    private final List<Path> temporary = new ArrayList<>();

    @AfterEach
    void deleteTemporary() throws IOException {
        for (Path p : temporary) {
            deleteRecursively(p);
        }
    }

    @Test
    void theCopiedExampleVerifiesOfflineAgainstInstalledArtifactsOnly() throws Exception {
        Path repo = localRepository();
        Path copy = tempDir("ferry-example").resolve("counter-plugin");
        copyTree(root.resolve("examples/counter-plugin"), copy);

        Path log = copy.resolve("build.log");
        Process mvn = new ProcessBuilder(
                        maven(), "-o", "-B", "--no-transfer-progress", "-Dmaven.repo.local=" + repo, "verify")
                .directory(copy.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!mvn.waitFor(BUILD_MINUTES, TimeUnit.MINUTES)) {
            mvn.destroyForcibly();
            throw new AssertionError("the example's build took over " + BUILD_MINUTES + " minutes; see " + log);
        }
        String out = Files.readString(log);

        assertThat(mvn.exitValue()).as("mvn -o verify in %s:%n%s", copy, out).isZero();
        assertThat(out)
                .contains("Tests run: 4, Failures: 0, Errors: 0, Skipped: 0") // CounterPluginTest
                .contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
        assertThat(copy.resolve("target/counter-plugin-1.0.0-SNAPSHOT.jar")).isRegularFile();
    }

    /**
     * A local repository with this build's Ferry artifacts installed, and every other artifact
     * linked from the repository this build uses (so nothing is downloaded and nothing of Ferry
     * comes from there).
     */
    private Path localRepository() throws IOException {
        Path used = Path.of(System.getProperty("ferry.local.repo"));
        Path repo = tempDir("ferry-example-repo");
        linkAllBut(used, repo, "io");
        Files.createDirectories(repo.resolve("io"));
        if (Files.isDirectory(used.resolve("io"))) {
            linkAllBut(used.resolve("io"), repo.resolve("io"), "ferry");
        }
        install(repo, "ferry-parent", root.resolve("pom.xml"), null);
        install(repo, "ferry-bom", root.resolve("bom/pom.xml"), null);
        install(repo, "ferry-framework", root.resolve("framework/core/pom.xml"), root.resolve("framework/core/target"));
        install(
                repo,
                "ferry-testkit",
                root.resolve("framework/testkit/pom.xml"),
                root.resolve("framework/testkit/target"));
        install(repo, "ferry-ram-plugin", root.resolve("ram-plugin/pom.xml"), root.resolve("ram-plugin/target"));
        return repo;
    }

    private static void linkAllBut(Path from, Path to, String except) throws IOException {
        try (Stream<Path> entries = Files.list(from)) {
            for (Path e : entries.toList()) {
                if (!e.getFileName().toString().equals(except)) {
                    Files.createSymbolicLink(to.resolve(e.getFileName().toString()), e.toAbsolutePath());
                }
            }
        }
    }

    /** Puts a module's pom (and jar, if it has one) where {@code mvn install} would. */
    private void install(Path repo, String artifact, Path pom, Path target) throws IOException {
        Path dir = repo.resolve("io/ferry").resolve(artifact).resolve(version);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
        if (target != null) {
            Path jar = target.resolve(artifact + "-" + version + ".jar");
            assertThat(jar)
                    .as("built by this reactor before the integration tests")
                    .isRegularFile();
            Files.copy(jar, dir.resolve(jar.getFileName()));
        }
    }

    private static String maven() {
        String home = System.getProperty("maven.home");
        return home == null ? "mvn" : Path.of(home, "bin", "mvn").toString();
    }

    private Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        temporary.add(dir);
        return dir;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Deletes the tree, following no links (so the linked repository is left alone). */
    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
