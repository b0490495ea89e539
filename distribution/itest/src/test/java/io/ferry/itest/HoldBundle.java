package io.ferry.itest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** Writes {@link SwitchoverHold} and {@link HoldActivator} as an OSGi bundle a Felix distribution starts from {@code bundle/}. */
final class HoldBundle {
    private HoldBundle() {}

    static void write(Path jar) throws IOException, URISyntaxException {
        Manifest manifest = new Manifest();
        Attributes a = manifest.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "io.ferry.itest.hold");
        a.putValue("Bundle-Version", "0.0.1");
        a.putValue("Bundle-Activator", HoldActivator.class.getName());
        a.putValue("Import-Package", "io.ferry.machine,io.ferry.pipeline,org.osgi.framework");
        Path classes = Path.of(SwitchoverPair.testClasses());
        Path pkg = classes.resolve(HoldActivator.class.getPackageName().replace('.', '/'));
        List<Path> files;
        try (Stream<Path> s = Files.list(pkg)) {
            files = s.filter(p -> p.getFileName().toString().matches("(SwitchoverHold|HoldActivator)(\\$.*)?\\.class"))
                    .toList();
        }
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(out, manifest)) {
            for (Path f : files) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
    }
}
