package dev.mzflink.cli;

import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.demo.Comparison;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.demo.ShopSample;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.sql.Quote;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import java.io.PrintWriter;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mzflink demo}: an embedded PostgreSQL with a changing shop, replicated by a local Flink
 * pipeline into a results database, until Ctrl-C.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Starts an embedded PostgreSQL with a sample shop and replicates it live into a results database.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--changes-per-second",
      defaultValue = "2",
      description = "Upstream transactions per second (default: ${DEFAULT-VALUE}).")
  int changesPerSecond;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "Stop by itself after this long (e.g. 60s); default: run until Ctrl-C.")
  Optional<String> duration;

  static final String SCRIPT =
      "CREATE MATERIALIZED SOURCE IF NOT EXISTS mz_source FROM POSTGRES\n"
          + "  HOST '%s'\n"
          + "  PUBLICATION 'mz_source';\n"
          + "CREATE VIEWS FROM SOURCE mz_source;\n"
          + "SHOW FULL VIEWS;\n";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Starting an embedded PostgreSQL with wal_level=logical ...");
    out.flush();
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      server.createDatabase("shop");
      server.createDatabase("results");
      try (Connection shop = server.connect("shop")) {
        ShopSample.create(shop);
      }
      String script = String.format(SCRIPT, server.conninfo("shop"));
      Errors.script(script);
      out.println("Script:\n");
      script.lines().forEach(l -> out.println("  " + l));
      out.println();
      String resultsUrl = server.jdbcUrl("results");
      Compilation compiled =
          ScriptCompiler.compile(
              script,
              new TranslateOptions(resultsUrl, Optional.empty()),
              SourceReading.ONE_SLOT_PER_SOURCE,
              ProcessContext.compile());
      for (ShowOutput show : compiled.plan().outputs()) {
        out.println(show.render());
      }
      RunOptions options =
          new RunOptions(
              resultsUrl,
              Optional.empty(),
              Duration.ofSeconds(1),
              1,
              Optional.empty(),
              "mzflink demo");
      RunningPipeline pipeline = PipelineRunner.start(compiled.flinkPlan(), options);
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread writer = startWriter(server, writing, out);
      out.printf(
          "Flink job %s is running (local MiniCluster, RocksDB state, checkpoints every 1s).%n",
          pipeline.jobId());
      out.println();
      out.println("Query the replicated tables in the results database:");
      out.printf(
          "  psql 'postgresql://postgres@localhost:%d/results' -c 'SELECT * FROM orders'%n",
          server.port());
      out.println("and compare with the upstream shop:");
      out.printf(
          "  psql 'postgresql://postgres@localhost:%d/shop' -c 'SELECT * FROM orders'%n",
          server.port());
      out.println();
      out.println(
          "Every 10 s the demo compares each results table with upstream. Press Ctrl-C to stop.");
      out.flush();

      CountDownLatch stop = new CountDownLatch(1);
      Signals.onInterrupt(stop::countDown);
      long deadline =
          duration
              .map(d -> System.nanoTime() + RunCommand.Durations.parse("--duration", d).toNanos())
              .orElse(Long.MAX_VALUE);
      try (Connection shop = server.connect("shop");
          Connection results = server.connect("results")) {
        while (!stop.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
          if (pipeline.status().isGloballyTerminalState()) {
            pipeline.await();
            break;
          }
          report(out, shop, results);
          if (System.nanoTime() > deadline) {
            break;
          }
        }
      }
      out.println();
      out.println("Stopping...");
      out.flush();
      writing.set(false);
      writer.join(5000);
      List<String> dropped = pipeline.stop();
      out.println(
          "Dropped replication slots: "
              + (dropped.isEmpty() ? "none" : String.join(", ", dropped)));
      pipeline.slotsLeft().forEach(left -> out.println("Left in place: " + left));
      out.println("Stopping PostgreSQL.");
      out.flush();
    }
    out.println("Done.");
    out.flush();
    return Errors.OK;
  }

  private Thread startWriter(
      EmbeddedPostgresServer server, AtomicBoolean writing, PrintWriter out) {
    Thread writer =
        new Thread(
            () -> {
              ShopSample sample = new ShopSample(System.nanoTime());
              long pause = Math.max(1, 1000 / Math.max(1, changesPerSecond));
              try (Connection c = server.connect("shop")) {
                while (writing.get()) {
                  sample.change(c);
                  Thread.sleep(pause);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                if (writing.get()) {
                  out.println("The sample writer stopped: " + e.getMessage());
                  out.flush();
                }
              }
            },
            "mzflink-demo-writer");
    writer.setDaemon(true);
    writer.start();
    return writer;
  }

  private static void report(PrintWriter out, Connection shop, Connection results)
      throws Exception {
    StringBuilder line =
        new StringBuilder(LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
    for (String table : ShopSample.TABLES) {
      String name = Quote.pgQualified("public", table);
      Comparison.Result r =
          Comparison.compare(shop, Comparison.rowsOf(name), results, Comparison.rowsOf(name));
      line.append(
          String.format(
              "  %s %d/%d %s",
              table, r.resultsRows(), r.upstreamRows(), r.equal() ? "equal" : "catching up"));
    }
    out.println(line);
    out.flush();
  }
}
