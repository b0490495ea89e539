package io.ferry.itest;

import io.ferry.pipeline.MigrationPlugin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The activator of the hold bundle ({@link HoldBundle}): with the framework property
 * {@code ferry.hold} set to a {@link SwitchoverHold.Point} label, it registers a
 * {@link SwitchoverHold} as a plugin service, and releases the hold once the file named by
 * {@code ferry.hold.release} exists (a shell has no other way in).
 */
public final class HoldActivator implements BundleActivator {
    private static final long LIMIT_MILLIS = 120_000;
    private Thread watcher;

    @Override
    public void start(BundleContext context) {
        String point = context.getProperty("ferry.hold");
        if (point == null) {
            return;
        }
        SwitchoverHold hold = new SwitchoverHold(SwitchoverHold.Point.parse(point), System.out);
        Path release = Path.of(context.getProperty("ferry.hold.release"));
        watcher = new Thread(() -> awaitFile(release, hold), "ferry-hold-release");
        watcher.setDaemon(true);
        watcher.start();
        context.registerService(MigrationPlugin.class, hold, null);
    }

    private static void awaitFile(Path release, SwitchoverHold hold) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LIMIT_MILLIS);
        try {
            while (!Files.exists(release) && System.nanoTime() < deadline) {
                Thread.sleep(10); // polls a condition, bounded: the test creates the file
            }
            hold.release();
        } catch (InterruptedException e) {
            hold.release(); // the bundle stops: never keep a migration held
        }
    }

    @Override
    public void stop(BundleContext context) {
        if (watcher != null) {
            watcher.interrupt();
        }
    }
}
