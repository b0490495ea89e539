package io.ferry.internal.management;

import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.PassProgress;
import io.ferry.pipeline.Pipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.AttributeChangeNotification;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanRegistration;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;

/**
 * The MXBean of one migration, and the listener that keeps it current. Reads go to the live
 * {@link Migration}; once it is terminal the bean keeps only its final figures, so a finished
 * migration's machine is not held by JMX. Once unregistered (by whoever) it tells its owner and
 * sends no more notifications: a still running migration's later updates show nowhere.
 */
final class MigrationBean extends NotificationBroadcasterSupport implements MigrationMXBean, MBeanRegistration {
    static final String PASS_NOTIFICATION = "io.ferry.migration.pass";

    private final long id;
    private final String machine;
    private final AtomicLong sequence = new AtomicLong();
    private final List<PassInfo> passes = new ArrayList<>();
    private final String side;
    private final Runnable onUnregistered;
    /** Listeners added through the server stay on this object after unregistration: they hear no more. */
    private volatile boolean unregistered;

    private Migration live;
    private MigrationFigures last;
    private String failure = "";
    private List<String> plugins = List.of();

    MigrationBean(long id, String machine, Migration migration, Runnable onUnregistered) {
        super(
                new MBeanNotificationInfo(
                        new String[] {AttributeChangeNotification.ATTRIBUTE_CHANGE},
                        AttributeChangeNotification.class.getName(),
                        "the migration's Status changed"),
                new MBeanNotificationInfo(
                        new String[] {PASS_NOTIFICATION},
                        Notification.class.getName(),
                        "a pass ended; user data: the pass number"));
        this.id = id;
        this.machine = machine;
        this.live = migration;
        this.side = migration.side().name();
        this.onUnregistered = onUnregistered;
    }

    @Override
    public ObjectName preRegister(MBeanServer server, ObjectName name) {
        return name;
    }

    @Override
    public void postRegister(Boolean registrationDone) {}

    @Override
    public void preDeregister() {}

    @Override
    public void postDeregister() {
        unregistered = true;
        onUnregistered.run();
    }

    @Override
    public void sendNotification(Notification notification) {
        if (!unregistered) {
            super.sendNotification(notification);
        }
    }

    void statusChanged(Migration migration, MigrationStatus from, MigrationStatus to) {
        synchronized (this) {
            if (to.isTerminal()) {
                last = migration.figures();
                failure = migration.failure().map(Throwable::getMessage).orElse("");
                plugins = plugins(migration);
                live = null;
            }
        }
        sendNotification(new AttributeChangeNotification(
                this,
                sequence.incrementAndGet(),
                System.currentTimeMillis(),
                "status " + from + " -> " + to,
                "Status",
                String.class.getName(),
                from.name(),
                to.name()));
    }

    void passCompleted(PassProgress progress) {
        synchronized (this) {
            passes.add(PassInfo.of(progress));
        }
        Notification n = new Notification(
                PASS_NOTIFICATION,
                this,
                sequence.incrementAndGet(),
                System.currentTimeMillis(),
                "pass " + progress.pass() + " ended");
        n.setUserData(progress.pass());
        sendNotification(n);
    }

    @Override
    public long getId() {
        return id;
    }

    @Override
    public String getMachine() {
        return machine;
    }

    @Override
    public String getSide() {
        return side;
    }

    @Override
    public String getStatus() {
        return figures().status().name();
    }

    @Override
    public synchronized String getFailure() {
        return live == null
                ? failure
                : live.failure().map(Throwable::getMessage).orElse("");
    }

    @Override
    public synchronized List<String> getPlugins() {
        return live == null ? plugins : plugins(live);
    }

    @Override
    public long getTotalMillis() {
        return figures().totalMillis();
    }

    @Override
    public long getSetupMillis() {
        return figures().setupMillis();
    }

    @Override
    public long getDowntimeMillis() {
        return figures().downtimeMillis();
    }

    @Override
    public long getExpectedDowntimeMillis() {
        return figures().expectedDowntimeMillis();
    }

    @Override
    public long getTransferredBytes() {
        return figures().transferredBytes();
    }

    @Override
    public long getRemainingBytes() {
        return figures().remainingBytes();
    }

    @Override
    public long getDirtyPagesRate() {
        return figures().dirtyPagesRate();
    }

    @Override
    public int getIterations() {
        return figures().iterations();
    }

    @Override
    public double getThroughputMbps() {
        return figures().throughputMbps();
    }

    @Override
    public long getNormalPages() {
        return figures().normalPages();
    }

    @Override
    public long getZeroPages() {
        return figures().zeroPages();
    }

    @Override
    public long getDiscardedPages() {
        return figures().discardedPages();
    }

    @Override
    public int getCpuThrottlePercent() {
        return figures().cpuThrottlePercent();
    }

    @Override
    public long getXbzrleCacheHits() {
        return figures().xbzrleCacheHits();
    }

    @Override
    public long getXbzrleCacheMisses() {
        return figures().xbzrleCacheMisses();
    }

    @Override
    public double getXbzrleHitRate() {
        return figures().xbzrleHitRate();
    }

    @Override
    public Map<String, String> getFigures() {
        return RecordFields.flatten(figures());
    }

    @Override
    public Map<String, String> getDowntimeBreakdown() {
        return getFigures().entrySet().stream()
                .filter(e -> e.getKey().toLowerCase(Locale.ROOT).contains("breakdown."))
                .collect(Collectors.toMap(
                        e -> e.getKey().substring(e.getKey().indexOf('.') + 1),
                        Map.Entry::getValue,
                        (a, b) -> b,
                        java.util.LinkedHashMap::new));
    }

    @Override
    public synchronized List<PassInfo> getPasses() {
        return List.copyOf(passes);
    }

    synchronized boolean isTerminal() {
        return last != null;
    }

    private synchronized MigrationFigures figures() {
        return live == null ? last : live.figures();
    }

    private static List<String> plugins(Migration m) {
        return m.pipeline().map(Pipeline::plugins).map(List::copyOf).orElse(List.of());
    }
}
