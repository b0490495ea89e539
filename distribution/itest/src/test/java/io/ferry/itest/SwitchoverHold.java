package io.ferry.itest;

import io.ferry.machine.DirtyBitmap;
import io.ferry.machine.DirtyLogSource;
import io.ferry.machine.RunState;
import io.ferry.pipeline.MigrationPlugin;
import io.ferry.pipeline.Registrar;
import io.ferry.pipeline.Stage;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test plugin that holds a switchover at one {@link Point} until {@link #release()}d, after
 * printing {@code held POINT}: a test cuts the link or kills a process there, deterministically.
 * It only uses the public plugin API (a COMPLETE and a LOAD_COMPLETE handler after every other,
 * a device dirty log, a run-state listener); the hold is bounded, so a test that never releases
 * it cannot hang the process.
 */
final class SwitchoverHold implements MigrationPlugin {
    private static final long LIMIT_SECONDS = 60;

    /** Where the switchover is held, and on which side. */
    enum Point {
        /** Source: the machine stopped and every COMPLETE handler ran; END is not written yet. */
        BEFORE_END,
        /** Destination: END read and LOAD_COMPLETE run; the ACK is not written yet. */
        AFTER_END,
        /** Source: the destination's ACK read and checked; the source is about to commit and write COMMIT. */
        AFTER_ACK,
        /** Destination: COMMIT read, the machine taken out of INMIGRATE; the REPORT is not written yet. */
        AFTER_COMMIT;

        boolean onSource() {
            return this == BEFORE_END || this == AFTER_ACK;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** The point whose {@link #label()} is {@code label}. */
        static Point parse(String label) {
            return valueOf(label.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    private final Point point;
    private final PrintStream out;
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean held = new AtomicBoolean();

    SwitchoverHold(Point point, PrintStream out) {
        this.point = point;
        this.out = out;
    }

    @Override
    public String name() {
        return "hold";
    }

    void release() {
        released.countDown();
    }

    @Override
    public void registerSource(Registrar registrar) {
        AtomicBoolean completed = new AtomicBoolean();
        registrar
                .on(Stage.COMPLETE)
                .id("hold.complete")
                .priority(Integer.MIN_VALUE)
                .handler(ctx -> {
                    if (point == Point.BEFORE_END) {
                        hold();
                    }
                    completed.set(true);
                });
        if (point == Point.AFTER_ACK) {
            registrar.dirtyLog(new AfterAck(completed));
        }
    }

    @Override
    public void registerDestination(Registrar registrar) {
        if (point == Point.AFTER_END) {
            registrar
                    .on(Stage.LOAD_COMPLETE)
                    .id("hold.load-complete")
                    .priority(Integer.MIN_VALUE)
                    .handler(ctx -> hold());
        } else if (point == Point.AFTER_COMMIT) {
            registrar.machine().addRunStateListener((m, from, to) -> {
                if (from == RunState.INMIGRATE && (to == RunState.PAUSED || to == RunState.RUNNING)) {
                    hold();
                }
            });
        }
    }

    private void hold() {
        if (!held.compareAndSet(false, true)) {
            return;
        }
        out.println("held " + point.label());
        out.flush();
        try {
            if (!released.await(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                out.println("hold " + point.label() + " never released: going on after " + LIMIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A device log that stays empty. The engine checks registered logs once after each COMPLETE
     * handler while RAM is sealed (the first check after this plugin's handler, the last), and
     * again after the destination's ACK, right before it commits: the second check is the hold.
     */
    private final class AfterAck implements DirtyLogSource {
        private final AtomicBoolean completed;
        private final AtomicInteger checks = new AtomicInteger();

        AfterAck(AtomicBoolean completed) {
            this.completed = completed;
        }

        @Override
        public String name() {
            return "hold-after-ack";
        }

        @Override
        public void enable() {}

        @Override
        public void disable() {}

        @Override
        public long drainInto(DirtyBitmap target) {
            return 0;
        }

        @Override
        public long peekCount() {
            if (completed.get() && checks.incrementAndGet() == 2) {
                hold();
            }
            return 0;
        }
    }
}
