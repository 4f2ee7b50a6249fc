package dev.mzflink.testing;

import dev.mzflink.compile.Compilation;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.SourceReading;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Compiles and starts scripts in the test JVM (a Flink MiniCluster), and waits for markers. */
public final class Pipelines {
  private Pipelines() {}

  public static RunningPipeline start(String script, String resultsUrl, int parallelism) {
    return start(script, resultsUrl, parallelism, Optional.empty());
  }

  /** Starts a script, resuming from {@code savepoint} if given. */
  public static RunningPipeline start(
      String script, String resultsUrl, int parallelism, Optional<String> savepoint) {
    return start(script, resultsUrl, parallelism, savepoint, SourceReading.ONE_SLOT_PER_SOURCE);
  }

  /** Starts a script with options {@code tweak} changes. */
  public static RunningPipeline start(
      String script,
      String resultsUrl,
      int parallelism,
      java.util.function.UnaryOperator<RunOptions> tweak) {
    Compilation compiled = Scripts.compile(script, resultsUrl, SourceReading.ONE_SLOT_PER_SOURCE);
    return PipelineRunner.start(
        compiled.flinkPlan(),
        tweak.apply(
            new RunOptions(
                resultsUrl,
                Optional.empty(),
                Duration.ofMillis(500),
                parallelism,
                Optional.empty(),
                "test")));
  }

  /** Starts a script with its sources read as {@code reading} says. */
  public static RunningPipeline start(
      String script,
      String resultsUrl,
      int parallelism,
      Optional<String> savepoint,
      SourceReading reading) {
    Compilation compiled = Scripts.compile(script, resultsUrl, reading);
    RunOptions options =
        new RunOptions(
                resultsUrl,
                Optional.empty(),
                Duration.ofMillis(500),
                parallelism,
                savepoint,
                "test")
            .withSourceReading(reading);
    return PipelineRunner.start(compiled.flinkPlan(), options);
  }

  /** The script of a materialized source named like the database, over all its tables. */
  public static String replicate(String conninfo, String publication) {
    return "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
        + conninfo
        + "' PUBLICATION '"
        + publication
        + "';\nCREATE VIEWS FROM SOURCE src;\n";
  }

  /**
   * Inserts marker {@code id} upstream into {@code table} (columns {@code id, note}) and waits
   * until it is in the results table of the same name: everything committed before it has then been
   * applied too.
   */
  public static void awaitMarker(
      Connection upstream, Connection results, String table, long id, Duration timeout)
      throws Exception {
    Sql.execute(upstream, "INSERT INTO " + table + " (id, note) VALUES (" + id + ", 'marker')");
    Await.until(
        "marker " + id + " in results table " + table,
        timeout,
        () -> Sql.longValue(results, "SELECT count(*) FROM " + table + " WHERE id = " + id) == 1);
  }

  /**
   * Waits up to {@code timeout} for the pipeline's job to end: what ending threw (the job's
   * failure, wrapped), a TimeoutException while the job still runs, null when it finished.
   */
  public static Throwable awaitEnd(RunningPipeline pipeline, Duration timeout) {
    try {
      CompletableFuture.runAsync(
              () -> {
                try {
                  pipeline.await();
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              })
          .get(timeout.toSeconds(), TimeUnit.SECONDS);
      return null;
    } catch (Throwable e) {
      return e;
    }
  }
}
