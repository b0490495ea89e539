package io.ferry.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.Styler.YAxisPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The bench's PNG charts (XChart; AWT runs headless where no display is set, as on a server). */
final class BenchCharts {
    private BenchCharts() {}

    /** One pass of a live migration, as the per-pass chart draws it. */
    record Pass(int pass, double sentMib, double dirtyMibPerSecond, long expectedDowntimeMillis) {}

    /**
     * Throughput per case: one bar group per case, one series per system ({@code "Ferry"},
     * {@code "QEMU"}...), in MiB/s; a case a system did not run is drawn as 0.
     */
    static void throughput(Path file, String title, List<String> cases, Map<String, double[]> series)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder()
                .width(200 + 140 * cases.size())
                .height(520)
                .title(title)
                .xAxisTitle("case")
                .yAxisTitle("MiB/s (guest RAM size / total time)")
                .build();
        chart.getStyler().setLegendPosition(LegendPosition.InsideNW);
        chart.getStyler().setXAxisLabelRotation(20);
        series.forEach((name, values) -> chart.addSeries(name, cases, toList(values)));
        BitmapEncoder.saveBitmap(chart, strip(file), BitmapFormat.PNG);
    }

    /**
     * A live migration pass by pass, like QEMU's guestperf plots: MiB sent and MiB dirtied per
     * second on the left axis, expected downtime per pass and the actual downtime on the right.
     */
    static void passes(Path file, String title, List<Pass> passes, long actualDowntimeMillis) throws IOException {
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(520)
                .title(title)
                .xAxisTitle("pass")
                .build();
        chart.getStyler().setLegendPosition(LegendPosition.InsideNE);
        chart.setYAxisGroupTitle(0, "MiB, MiB/s");
        chart.setYAxisGroupTitle(1, "ms");
        chart.getStyler().setYAxisGroupPosition(1, YAxisPosition.Right);
        double most = Math.max(
                actualDowntimeMillis,
                passes.stream().mapToLong(Pass::expectedDowntimeMillis).max().orElse(0));
        chart.getStyler().setYAxisMin(1, 0.0).setYAxisMax(1, Math.max(1, most * 1.25));
        List<Integer> x = passes.stream().map(Pass::pass).toList();
        add(chart, "sent in pass (MiB)", x, passes.stream().map(Pass::sentMib).toList(), 0);
        add(
                chart,
                "dirty rate (MiB/s)",
                x,
                passes.stream().map(Pass::dirtyMibPerSecond).toList(),
                0);
        add(
                chart,
                "expected downtime (ms)",
                x,
                passes.stream().map(p -> (double) p.expectedDowntimeMillis()).toList(),
                1);
        int last = x.isEmpty() ? 0 : x.get(x.size() - 1);
        add(chart, "actual downtime (ms)", List.of(last), List.of((double) actualDowntimeMillis), 1)
                .setMarker(SeriesMarkers.DIAMOND);
        BitmapEncoder.saveBitmap(chart, strip(file), BitmapFormat.PNG);
    }

    private static XYSeries add(XYChart chart, String name, List<Integer> x, List<Double> y, int axis) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setYAxisGroup(axis);
        return s;
    }

    private static List<Double> toList(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(Double.isNaN(v) ? null : v); // no figure for that case: no bar (XChart skips null)
        }
        return out;
    }

    /** XChart appends the extension itself. */
    private static String strip(Path file) {
        String name = file.toString();
        return name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
    }
}
