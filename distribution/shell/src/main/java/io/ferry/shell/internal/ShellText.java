package io.ferry.shell.internal;

import io.ferry.migration.MigrationParameters;
import io.ferry.migration.MigrationStatus;
import io.ferry.migration.Sizes;
import io.ferry.migration.SwitchoverDecision;
import io.ferry.pipeline.Priority;
import io.ferry.pipeline.Side;
import io.ferry.pipeline.Stage;
import io.ferry.shell.ProgressLine;
import io.ferry.shell.internal.Views.CancelOutcome;
import io.ferry.shell.internal.Views.Detached;
import io.ferry.shell.internal.Views.Digests;
import io.ferry.shell.internal.Views.HandlerRow;
import io.ferry.shell.internal.Views.HandlerTable;
import io.ferry.shell.internal.Views.Listening;
import io.ferry.shell.internal.Views.MachineInfo;
import io.ferry.shell.internal.Views.MigrationInfo;
import io.ferry.shell.internal.Views.MigrationStarted;
import io.ferry.shell.internal.Views.Notice;
import io.ferry.shell.internal.Views.PluginInfo;
import io.ferry.shell.internal.Views.PluginTable;
import io.ferry.shell.internal.Views.ResolveOutcome;
import io.ferry.shell.internal.Views.SnapshotOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/**
 * Every text the {@code ferry:} commands show, rendered from their data objects: a Gogo
 * {@link Converter} with two levels, {@link Converter#INSPECT} (what the shell prints for a
 * result) and {@link Converter#LINE} (one line, for lists and pipes). Tables size their columns
 * to their content.
 */
@Component(
        service = Converter.class,
        property = {
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$MachineInfo",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$MigrationInfo",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$HandlerTable",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$PluginTable",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$PluginInfo",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$Digests",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$Notice",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$Listening",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$MigrationStarted",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$CancelOutcome",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$ResolveOutcome",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$SnapshotOutcome",
            Converter.CONVERTER_CLASSES + "=io.ferry.shell.internal.Views$Detached",
            Converter.CONVERTER_CLASSES + "=io.ferry.migration.MigrationParameters"
        })
public final class ShellText implements Converter {
    private static final String[] PLACES = {"BEFORE_RAM", "RAM", "AFTER_RAM"};
    private static final int[] PLACE_VALUES = {Priority.BEFORE_RAM, Priority.RAM, Priority.AFTER_RAM};

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null; // renders only; converts nothing
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        boolean inspect = level == INSPECT;
        if (target instanceof MachineInfo m) {
            return inspect ? machine(m) : line(m);
        } else if (target instanceof MigrationInfo m) {
            return inspect
                    ? migration(m)
                    : m.side().name().toLowerCase(Locale.ROOT) + " migration " + m.id() + ": " + m.status();
        } else if (target instanceof HandlerTable t) {
            return handlers(t);
        } else if (target instanceof PluginTable t) {
            return plugins(t);
        } else if (target instanceof MigrationParameters p) {
            return inspect
                    ? parameters(p)
                    : parameters(p).replaceAll(" *\n", ", ").replaceAll(" {2,}", " ");
        } else if (target instanceof Digests d) {
            return digests(d);
        } else if (target instanceof Notice n) {
            return n.message();
        } else if (target instanceof Listening l) {
            return "waiting for a migration on " + l.uri();
        } else if (target instanceof MigrationStarted s) {
            return "migrating " + s.machine() + " to " + s.uri() + " (ferry:info, ferry:watch, ferry:cancel)";
        } else if (target instanceof CancelOutcome c) {
            return cancel(c);
        } else if (target instanceof ResolveOutcome r) {
            return resolve(r);
        } else if (target instanceof SnapshotOutcome s) {
            return snapshot(s);
        } else if (target instanceof Detached d) {
            return "detached " + d.device() + "; " + (inspect ? machine(d.machine()) : line(d.machine()));
        } else if (target instanceof PluginInfo p) {
            return p.name() + " " + p.bundle() + (p.heldBack() ? " held back" : "") + " devices " + p.devices();
        }
        return null;
    }

    /** A readable name for {@code priority}: a constant's name, or an offset from the nearest one. */
    static String place(int priority) {
        int best = 0;
        for (int i = 1; i < PLACE_VALUES.length; i++) {
            if (Math.abs((long) priority - PLACE_VALUES[i]) < Math.abs((long) priority - PLACE_VALUES[best])) {
                best = i;
            }
        }
        long delta = (long) priority - PLACE_VALUES[best];
        return delta == 0 ? PLACES[best] : PLACES[best] + (delta > 0 ? "+" : "") + delta;
    }

    static String machine(MachineInfo m) {
        StringBuilder out = new StringBuilder(line(m)).append('\n');
        m.devices().forEach(d -> out.append("  device ").append(d).append('\n'));
        m.vcpus()
                .forEach(v -> out.append(String.format(
                        Locale.ROOT,
                        "  vcpu %s: %d steps/s, %d steps done%n",
                        v.name(),
                        v.stepsPerSecond(),
                        v.steps())));
        m.reservedRegions().forEach(r -> out.append("  region ").append(r).append('\n'));
        out.append("  address map:\n");
        m.addressMap()
                .forEach(r -> out.append(String.format(
                        Locale.ROOT,
                        "    0x%012x-0x%012x %10s  %s%n",
                        r.base(),
                        r.base() + r.size(),
                        Sizes.format(r.size()),
                        r.owner().orElse("free"))));
        return out.toString().stripTrailing();
    }

    private static String line(MachineInfo m) {
        return String.format(
                Locale.ROOT, "machine %s: %s, %s guest RAM", m.name(), m.runState(), Sizes.format(m.ramBytes()));
    }

    /** QEMU's query-migrate: which side, why it failed and with which plugins, the last pass, then every figure. */
    static String migration(MigrationInfo m) {
        StringBuilder out = new StringBuilder();
        out.append(
                String.format(Locale.ROOT, "%s migration: %s%n", m.side().name().toLowerCase(Locale.ROOT), m.status()));
        out.append(field("peer", m.peer()));
        m.error().ifPresent(e -> out.append(field("error", e)));
        m.switchover()
                .ifPresent(s -> out.append(field(
                        "stream",
                        s.stream()
                                + s.decision()
                                        .map(d -> ", decision " + d)
                                        .orElse(
                                                m.status() == MigrationStatus.IN_DOUBT
                                                        ? ", in doubt: ferry:resolve commit|abort " + s.stream()
                                                        : ""))));
        if (!m.plugins().isEmpty()) {
            out.append(field("plugins", m.plugins().toString()));
        }
        if (!m.passes().isEmpty()) {
            out.append(field(
                    "passes",
                    m.passes().size() + ", last: "
                            + ProgressLine.of(m.passes().get(m.passes().size() - 1))));
        }
        return out.append(m.figures().report()).toString();
    }

    private static String field(String name, String value) {
        return String.format(Locale.ROOT, "%-20s%s%n", name + ":", value);
    }

    /** Every parameter ({@link MigrationParameters.Name}), so one added there shows here: name, value, what it does. */
    static String parameters(MigrationParameters p) {
        List<List<String>> cells = new ArrayList<>();
        for (MigrationParameters.Name name : MigrationParameters.Name.values()) {
            cells.add(List.of(name.text(), withUnit(name.unit(), name.value(p)), name.description()));
        }
        return table(cells, -1);
    }

    /** A parameter's value for people: sizes and rates in binary units, times in ms, percents. */
    private static String withUnit(MigrationParameters.Unit unit, String value) {
        return switch (unit) {
            case BYTES_PER_SECOND -> value.equals("0") ? "unlimited" : Sizes.format(Long.parseLong(value)) + "/s";
            case BYTES -> value.equals("0") ? "0 (off)" : Sizes.format(Long.parseLong(value));
            case MILLISECONDS -> value + " ms";
            case PERCENT -> value + " %";
            case TEXT -> value.isEmpty() ? "(none)" : value;
            case COUNT, BOOLEAN, CHOICE -> value;
        };
    }

    /** The handler table; stages without handlers show "-". Columns fit the longest cell. */
    static String handlers(HandlerTable t) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(List.of("stage", "prio", "place", "handler", "plugin", "bundle", "section"));
        for (Side side : Side.values()) {
            for (Stage stage : Stage.values()) {
                if (stage.side() != side) {
                    continue;
                }
                List<HandlerRow> rows =
                        t.rows().stream().filter(r -> r.stage() == stage).toList();
                if (rows.isEmpty()) {
                    cells.add(List.of(stage.name(), "-", "", "", "", "", ""));
                }
                rows.forEach(r -> cells.add(List.of(
                        r.stage().name(),
                        Integer.toString(r.priority()),
                        r.place(),
                        r.handler(),
                        r.plugin(),
                        r.bundle(),
                        r.section())));
            }
        }
        String table = table(cells, 1);
        if (!t.dirtyLogs().isEmpty()) {
            List<List<String>> logs = new ArrayList<>();
            logs.add(List.of("dirty log", "plugin", "bundle"));
            t.dirtyLogs().forEach(d -> logs.add(List.of(d.log(), d.plugin(), d.bundle())));
            table = table + "\n\n" + table(logs, -1);
        }
        return t.bareMachine() ? "no machine: the handlers of a bare 16 MiB machine\n" + table : table;
    }

    static String plugins(PluginTable t) {
        if (t.plugins().isEmpty()) {
            return "no plugins";
        }
        List<List<String>> cells = new ArrayList<>();
        t.plugins()
                .forEach(p -> cells.add(List.of(
                        p.name(),
                        p.bundle(),
                        p.heldBack() ? "held back (another of its name is in use)" : "in use",
                        "devices " + p.devices())));
        return table(cells, -1);
    }

    static String digests(Digests d) {
        StringBuilder out =
                new StringBuilder(String.format(Locale.ROOT, "machine %s: %s%n", d.machine(), d.runState()));
        out.append(String.format(Locale.ROOT, "%-12s %s%n", "ram", d.ram()));
        d.devices().forEach((id, digest) -> out.append(String.format(Locale.ROOT, "%-12s %s%n", id, digest)));
        return out.append(String.format(Locale.ROOT, "%-12s %s", "state", d.state()))
                .toString();
    }

    private static String cancel(CancelOutcome c) {
        if (c.cancelled()) {
            return c.side() == Side.SOURCE
                    ? "cancelling: the machine resumes here"
                    : "cancelling: this machine will not run; the source resumes";
        }
        String migration = "nothing to cancel: the " + c.side().name().toLowerCase(Locale.ROOT) + " migration is ";
        if (c.status() == MigrationStatus.CANCELLING) {
            return migration + "cancelling already";
        }
        return migration
                + c.status()
                + (c.status().isTerminal()
                        ? ""
                        : " and cannot be cancelled any more: past its point of no return, or ending after a failure of"
                                + " its own");
    }

    private static String resolve(ResolveOutcome r) {
        if (!r.resolved()) {
            return "nothing resolved: the " + r.side().name().toLowerCase(Locale.ROOT) + " migration is " + r.status();
        }
        boolean committed = r.decision() == SwitchoverDecision.Verdict.COMMITTED;
        String what = r.side() == Side.DESTINATION
                ? committed ? "the machine runs here" : "discarded here; the machine runs on the source"
                : committed ? "the machine runs on the destination; it stays stopped here" : "the machine resumes here";
        return "stream " + r.stream() + " resolved " + r.decision() + ": " + what + " (" + r.status() + ")";
    }

    private static String snapshot(SnapshotOutcome s) {
        return String.format(
                Locale.ROOT,
                "%s %s %s %s in %d ms (%s); machine %s",
                s.saved() ? "saved" : "restored",
                Sizes.format(s.ramBytes()),
                s.saved() ? "to" : "from",
                s.file(),
                s.totalMillis(),
                Sizes.format(s.transferredBytes()),
                s.runState());
    }

    /**
     * Left-aligned columns as wide as their longest cell, two spaces apart; {@code rightAligned}
     * names one numeric column to align right (-1: none).
     */
    private static String table(List<List<String>> rows, int rightAligned) {
        int columns = rows.get(0).size();
        int[] width = new int[columns];
        rows.forEach(r -> {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        });
        Function<List<String>, String> render = r -> {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = r.get(i);
                String pad = " ".repeat(width[i] - cell.length());
                line.append(i == rightAligned ? pad + cell : cell + (i == columns - 1 ? "" : pad))
                        .append(i == columns - 1 ? "" : "  ");
            }
            return line.toString().stripTrailing();
        };
        return String.join("\n", rows.stream().map(render).toList());
    }
}
