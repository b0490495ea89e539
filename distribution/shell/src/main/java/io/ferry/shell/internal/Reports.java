package io.ferry.shell.internal;

import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import io.ferry.migration.Migration;
import io.ferry.migration.MigrationFigures;
import io.ferry.migration.PassProgress;
import io.ferry.migration.Sizes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** The text the commands print. */
final class Reports {
    private static final int BAR = 24;

    private Reports() {}

    static String machine(Machine m) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "machine %s: %s, %s guest RAM%n", m.name(),
                m.runState(), Sizes.format(m.memory().size())));
        m.devices().forEach(d -> out.append("  device ").append(d.id()).append('\n'));
        m.vcpus().forEach(v -> out.append(String.format(Locale.ROOT, "  vcpu %s: %d steps/s, %d steps done%n", v.name(),
                v.stepsPerSecond(), v.steps())));
        m.reservedRegions().forEach(r -> out.append("  region ").append(r).append('\n'));
        return out.toString().stripTrailing();
    }

    /** QEMU's query-migrate: which side, why it failed and with which plugins, then every figure. */
    static String info(Migration m) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s migration: %s%n", m.side().name().toLowerCase(Locale.ROOT), m.status()));
        m.failure().ifPresent(e -> out.append("error:              ").append(e.getMessage()).append('\n'));
        m.pipeline().ifPresent(p -> out.append("plugins:            ").append(p.plugins()).append('\n'));
        return out.append(m.figures().report()).toString();
    }

    /** One progress line: a bar of transferred / (transferred + remaining), then the pass's figures. */
    static String progress(PassProgress p) {
        MigrationFigures f = p.figures();
        long total = f.transferredBytes() + f.remainingBytes();
        int filled = total == 0 ? BAR : (int) (BAR * f.transferredBytes() / total);
        return String.format(Locale.ROOT, "[%s%s] pass %-3d transferred %-10s remaining %-10s dirty %6d pages/s  expected downtime %d ms",
                "#".repeat(filled), ".".repeat(BAR - filled), p.pass(), Sizes.format(f.transferredBytes()),
                Sizes.format(f.remainingBytes()), f.dirtyPagesRate(), f.expectedDowntimeMillis());
    }

    /**
     * Digests of guest RAM and every device, and one state digest over all of them: equal on
     * both sides of a correct migration, compared across processes.
     */
    static String verify(Machine m) {
        StringBuilder out = new StringBuilder();
        MessageDigest all = sha256();
        String ram = m.memory().digest();
        out.append(String.format(Locale.ROOT, "machine %s: %s%n", m.name(), m.runState()));
        out.append(String.format(Locale.ROOT, "%-12s %s%n", "ram", ram));
        all.update(ram.getBytes(StandardCharsets.UTF_8));
        for (Device d : m.devices()) {
            String fp = d.stateFingerprint();
            String short16 = HexFormat.of().formatHex(sha256().digest(fp.getBytes(StandardCharsets.UTF_8)));
            out.append(String.format(Locale.ROOT, "%-12s %s%n", d.id(), short16));
            all.update(d.id().getBytes(StandardCharsets.UTF_8));
            all.update(fp.getBytes(StandardCharsets.UTF_8));
        }
        out.append(String.format(Locale.ROOT, "%-12s %s", "state", HexFormat.of().formatHex(all.digest())));
        return out.toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
