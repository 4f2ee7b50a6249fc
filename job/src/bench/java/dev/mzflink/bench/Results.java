package dev.mzflink.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * What a benchmark run measured: one sample per timed run of each series, and the figures derived
 * from them (ratios, latencies, counts) that go into {@code summary.csv}. Writes the table, the
 * run's CSV and the chart.
 */
final class Results {
  /**
   * One timed run.
   *
   * @param series what was run (e.g. "snapshot narrow mzflink p1")
   * @param seconds wall-clock time
   * @param items rows or changes processed (0 when not a throughput run)
   * @param jvmCpu CPU seconds of this JVM (the Flink MiniCluster runs in it)
   * @param pgCpu CPU seconds of all PostgreSQL processes
   * @param toolCpu CPU seconds of the client tools this JVM ran (psql, pg_recvlogical)
   * @param walsenderCpu CPU seconds of the walsender processes alive at the end of the run
   */
  record Sample(
      String series,
      int run,
      double seconds,
      double items,
      double jvmCpu,
      double pgCpu,
      double toolCpu,
      double walsenderCpu) {}

  /** Median, min and max of a series' samples. */
  record Stats(
      String series,
      int runs,
      double median,
      double min,
      double max,
      double items,
      double jvmCpu,
      double pgCpu,
      double toolCpu,
      double walsenderCpu) {
    double rate() {
      return items / median;
    }

    /** CPU seconds of the whole run: this JVM, PostgreSQL and the client tools. */
    double totalCpu() {
      return jvmCpu + pgCpu + toolCpu;
    }
  }

  private final List<Sample> samples = new ArrayList<>();
  private final Map<String, Double> figures = new LinkedHashMap<>();
  private final Map<String, Double> goals = new LinkedHashMap<>();
  private final List<double[]> ladder = new ArrayList<>();

  void add(Sample sample) {
    samples.add(sample);
    System.out.printf(
        Locale.ROOT,
        "  %-44s run %d: %8.2f s  %,12.0f items/s  cpu jvm %6.1f s  pg %6.1f s  tools %5.1f s  walsenders %5.1f s%n",
        sample.series(),
        sample.run(),
        sample.seconds(),
        sample.items() / sample.seconds(),
        sample.jvmCpu(),
        sample.pgCpu(),
        sample.toolCpu(),
        sample.walsenderCpu());
  }

  void figure(String measure, double value) {
    figures.put(measure, value);
    System.out.printf(Locale.ROOT, "  = %s = %s%n", measure, format(value));
  }

  /**
   * A ratio of CPU seconds (limit over mzflink) beside a ratio of wall-clock time: on a shared
   * machine the CPU a job needs varies less than the time it takes.
   */
  void cpuRatio(String name, String limitSeries, String series) {
    figure(name, stats(limitSeries).totalCpu() / stats(series).totalCpu());
  }

  void goal(String ratio, double goal) {
    goals.put(ratio, goal);
  }

  /** A freshness ladder step: target rate, achieved rate, p50 ms, p99 ms, sustained 0/1. */
  void ladderStep(double target, double achieved, double p50, double p99, boolean sustained) {
    ladder.add(new double[] {target, achieved, p50, p99, sustained ? 1 : 0});
  }

  Map<String, Double> figures() {
    return figures;
  }

  Stats stats(String series) {
    List<Sample> of = samples.stream().filter(s -> s.series().equals(series)).toList();
    if (of.isEmpty()) {
      throw new IllegalStateException("no samples of " + series);
    }
    return new Stats(
        series,
        of.size(),
        median(of, Sample::seconds),
        of.stream().mapToDouble(Sample::seconds).min().orElseThrow(),
        of.stream().mapToDouble(Sample::seconds).max().orElseThrow(),
        median(of, Sample::items),
        median(of, Sample::jvmCpu),
        median(of, Sample::pgCpu),
        median(of, Sample::toolCpu),
        median(of, Sample::walsenderCpu));
  }

  private static double median(List<Sample> of, ToDoubleFunction<Sample> f) {
    List<Double> values = new ArrayList<>();
    for (Sample s : of) {
      values.add(f.applyAsDouble(s));
    }
    Collections.sort(values);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }

  private List<String> seriesNames() {
    List<String> names = new ArrayList<>();
    for (Sample s : samples) {
      if (!names.contains(s.series())) {
        names.add(s.series());
      }
    }
    return names;
  }

  /** The table of every series (median of the runs, with min and max), as Markdown. */
  String table() {
    StringBuilder b = new StringBuilder();
    b.append(
        "| series | runs | median s | min s | max s | items/s (median) | JVM CPU s | PostgreSQL CPU s | tool CPU s | walsender CPU s |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String name : seriesNames()) {
      Stats s = stats(name);
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %.2f | %.2f | %s | %.1f | %.1f | %.1f | %.1f |%n",
              name,
              s.runs(),
              s.median(),
              s.min(),
              s.max(),
              s.items() > 0 ? String.format(Locale.ROOT, "%,.0f", s.rate()) : "",
              s.jvmCpu(),
              s.pgCpu(),
              s.toolCpu(),
              s.walsenderCpu()));
    }
    b.append("\n| figure | value | goal |\n|---|---:|---:|\n");
    figures.forEach(
        (k, v) ->
            b.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %s | %s |%n",
                    k,
                    format(v),
                    goals.containsKey(k) ? goalText(k) : "")));
    return b.toString();
  }

  private String goalText(String k) {
    return (k.equals("p99_ms") ? "≤ " : "≥ ") + format(goals.get(k));
  }

  static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.3f", v);
  }

  /**
   * Writes {@code run-<stamp>.csv}, {@code run-<stamp>.md}, {@code summary.csv} and {@code
   * chart.png}.
   */
  void write(Path dir, String stamp, Map<String, String> parameters, PrintStream out)
      throws IOException {
    Files.createDirectories(dir);
    StringBuilder csv =
        new StringBuilder(
            "series,run,seconds,items,items_per_second,jvm_cpu_s,pg_cpu_s,tool_cpu_s,walsender_cpu_s\n");
    for (Sample s : samples) {
      csv.append(
          String.format(
              Locale.ROOT,
              "\"%s\",%d,%.4f,%.0f,%.1f,%.2f,%.2f,%.2f,%.2f%n",
              s.series(),
              s.run(),
              s.seconds(),
              s.items(),
              s.items() / s.seconds(),
              s.jvmCpu(),
              s.pgCpu(),
              s.toolCpu(),
              s.walsenderCpu()));
    }
    for (double[] step : ladder) {
      csv.append(
          String.format(
              Locale.ROOT,
              "\"freshness ladder %.0f rows/s\",0,0,%.0f,%.1f,0,0,0,0%n",
              step[0],
              step[1],
              step[1]));
    }
    Files.writeString(dir.resolve("run-" + stamp + ".csv"), csv.toString());
    StringBuilder summary = new StringBuilder("measure,value\n");
    figures.forEach((k, v) -> summary.append(k).append(',').append(format(v)).append('\n'));
    Files.writeString(dir.resolve("summary.csv"), summary.toString());
    StringBuilder md = new StringBuilder("Parameters: ");
    parameters.forEach((k, v) -> md.append(k).append('=').append(v).append(' '));
    md.append("\n\n").append(table());
    if (!ladder.isEmpty()) {
      md.append(
          "\n| freshness target rows/s | achieved rows/s | p50 ms | p99 ms | sustained |\n|---:|---:|---:|---:|---|\n");
      for (double[] step : ladder) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %.0f | %.0f | %.0f | %.0f | %s |%n",
                step[0],
                step[1],
                step[2],
                step[3],
                step[4] > 0 ? "yes" : "no"));
      }
    }
    Files.writeString(dir.resolve("run-" + stamp + ".md"), md.toString());
    out.println();
    out.println(md);
    if (writeChart(dir.resolve("run-" + stamp + ".png"))) {
      Files.copy(
          dir.resolve("run-" + stamp + ".png"),
          dir.resolve("chart.png"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private boolean writeChart(Path file) throws IOException {
    List<Chart<?, ?>> charts = new ArrayList<>();
    List<String> ratios = new ArrayList<>();
    for (String k : figures.keySet()) {
      if (k.startsWith("R_")) {
        ratios.add(k);
      }
    }
    if (!ratios.isEmpty()) {
      CategoryChart c =
          new CategoryChartBuilder()
              .width(Math.max(900, 45 * ratios.size()))
              .height(500)
              .title("mzflink against the limit measured in the same run (1.0 = as fast)")
              .xAxisTitle("ratio")
              .yAxisTitle("mzflink / limit")
              .build();
      c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
      c.getStyler().setXAxisLabelRotation(30);
      c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
      c.addSeries("measured", ratios, ratios.stream().map(figures::get).toList());
      c.addSeries("goal", ratios, ratios.stream().map(k -> goals.getOrDefault(k, 0.0)).toList());
      charts.add(c);
    }
    if (!ladder.isEmpty()) {
      XYChart x =
          new XYChartBuilder()
              .width(900)
              .height(500)
              .title("Freshness: commit upstream to visible in the results database")
              .xAxisTitle("write rate, rows/s")
              .yAxisTitle("latency, ms")
              .build();
      x.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
      x.getStyler().setXAxisLogarithmic(true);
      List<Double> rates = ladder.stream().map(s -> s[1]).toList();
      x.addSeries("p50", rates, ladder.stream().map(s -> s[2]).toList());
      x.addSeries("p99", rates, ladder.stream().map(s -> s[3]).toList());
      charts.add(x);
    }
    if (charts.isEmpty()) {
      return false;
    }
    BitmapEncoder.saveBitmap(
        charts, charts.size(), 1, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return true;
  }
}
