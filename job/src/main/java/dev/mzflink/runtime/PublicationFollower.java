package dev.mzflink.runtime;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.SourceStatuses;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the publications of a running pipeline: when a table is added to a source's publication
 * and the script takes it ({@code CREATE VIEWS FROM SOURCE s} without a list), the pipeline is
 * stopped with a savepoint and resumed from it with the script compiled again: the source snapshots
 * the new table at its own consistent point and hands it over to the stream, and every other table
 * and view goes on from the savepoint's state. A table the script leaves out is reported once.
 *
 * <p>Only additions start a re-plan: a table removed from the publication is marked dropped by the
 * source itself, and a plan without it could not resume its state, so it waits for the next start.
 */
public final class PublicationFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PublicationFollower.class);

  private final RunningPipeline pipeline;
  private final RunOptions options;
  private final Supplier<FlinkPlan> compile;
  private final Consumer<String> say;
  private final ScheduledExecutorService timer;
  private final Optional<Path> temporarySavepoints;
  private final String savepoints;
  private FlinkPlan plan;

  /** The tables last found in the publications that the script leaves out: said once. */
  private Set<String> leftOut = Set.of();

  private PublicationFollower(
      RunningPipeline pipeline,
      FlinkPlan plan,
      RunOptions options,
      Supplier<FlinkPlan> compile,
      Consumer<String> say) {
    this.pipeline = pipeline;
    this.plan = plan;
    this.options = options;
    this.compile = compile;
    this.say = say;
    if (options.checkpointDirectory().isPresent()) {
      temporarySavepoints = Optional.empty();
      savepoints = options.checkpointDirectory().get().replaceAll("/+$", "") + "/savepoints";
    } else {
      try {
        temporarySavepoints = Optional.of(Files.createTempDirectory("mzflink-savepoints-"));
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a savepoint directory", e);
      }
      savepoints = temporarySavepoints.get().toUri().toString();
    }
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "mzflink-publication-follower");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Follows the publications of {@code pipeline} (started from {@code plan} with {@code options},
   * its sources read through one slot each) every {@code every}; {@code compile} compiles the
   * script again against upstream as it is then, and {@code say} tells the user what happens.
   */
  public static PublicationFollower start(
      RunningPipeline pipeline,
      FlinkPlan plan,
      RunOptions options,
      Supplier<FlinkPlan> compile,
      Consumer<String> say,
      Duration every) {
    PublicationFollower follower = new PublicationFollower(pipeline, plan, options, compile, say);
    try {
      // What the script left out when it started is not news.
      follower.leftOut = follower.unplanned();
    } catch (RuntimeException e) {
      LOG.warn("Could not read the publications: {}", e.getMessage());
    }
    follower.timer.scheduleWithFixedDelay(
        follower::checkQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return follower;
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.warn("Could not follow the publications: {}", e.getMessage());
    } catch (Error e) {
      // The timer runs no look after this one: say so rather than stop following unnoticed.
      say.accept("NOTICE: stopped following the publications: " + e);
      throw e;
    }
  }

  /** Looks at the publications once, and re-plans the pipeline when a table was added. */
  synchronized void check() {
    Set<String> added = unplanned();
    if (leftOut.containsAll(added)) {
      return;
    }
    FlinkPlan next;
    try {
      next = compile.get();
    } catch (UserError e) {
      say.accept(
          String.format(
              "NOTICE: tables were added to a publication (%s), but the script does not compile"
                  + " with them: %s. The pipeline goes on without them.",
              String.join(", ", added), e.getMessage()));
      leftOut = added;
      return;
    }
    Set<String> before = tables(plan);
    Set<String> after = tables(next);
    if (!after.containsAll(before)) {
      Set<String> gone = new TreeSet<>(before);
      gone.removeAll(after);
      say.accept(
          String.format(
              "NOTICE: tables were added to a publication (%s) while others left it (%s): the"
                  + " pipeline reads the added ones from its next start.",
              String.join(", ", added), String.join(", ", gone)));
      leftOut = added;
      return;
    }
    Set<String> taken = new TreeSet<>(after);
    taken.removeAll(before);
    if (taken.isEmpty()) {
      say.accept(
          String.format(
              "NOTICE: tables were added to a publication (%s); the script's CREATE VIEWS lists"
                  + " the tables it reads, so they are left out.",
              String.join(", ", added)));
      leftOut = added;
      return;
    }
    if (!settled()) {
      // A savepoint now would hold a snapshot under way, which the resumed source reads again
      // from its start (or a re-read, which a restart interrupts): the next look tries again.
      LOG.info("Tables added to a publication ({}): waiting for the snapshots to end", taken);
      return;
    }
    replan(next, taken, added);
  }

  /**
   * Whether every source of the pipeline streams with no table being snapshotted (its status rows
   * say so: each source has some, none starting or snapshotting).
   */
  private boolean settled() {
    try (Connection c = PipelineRunner.openResults(options.resultsUrl());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE status IN (?, ?)) FROM "
                    + SourceStatuses.TABLE
                    + " WHERE source = ?")) {
      for (SourceStream stream : plan.streams()) {
        s.setString(1, SourceStatuses.Status.STARTING.text());
        s.setString(2, SourceStatuses.Status.SNAPSHOTTING.text());
        s.setString(3, stream.name().quoted());
        try (ResultSet r = s.executeQuery()) {
          r.next();
          if (r.getLong(1) == 0 || r.getLong(2) > 0) {
            return false;
          }
        }
      }
      return true;
    } catch (SQLException e) {
      LOG.info("Could not read the status table: {}", e.getMessage());
      return false;
    }
  }

  /**
   * Restarts the pipeline from a savepoint with {@code next}, which reads the tables {@code taken}
   * of those the publications {@code added}; when it cannot start, resumes the current plan.
   */
  private void replan(FlinkPlan next, Set<String> taken, Set<String> added) {
    if (!pipeline.beginReplace()) {
      return;
    }
    say.accept(
        String.format(
            "Tables added to the publication: %s. Restarting the pipeline with them (stop with a"
                + " savepoint, resume with the script compiled again)...",
            String.join(", ", taken)));
    String savepoint;
    try {
      savepoint = pipeline.stopWithSavepoint(savepoints);
    } catch (Exception e) {
      say.accept("NOTICE: could not stop the pipeline with a savepoint: " + e.getMessage());
      pipeline.keepJob();
      return;
    }
    RunOptions resumed = options.withFromSavepoint(Optional.of(savepoint));
    try {
      pipeline.replace(PipelineRunner.startChecked(next, resumed));
      plan = next;
      leftOut = Set.of();
      say.accept("Resumed from " + savepoint + " with " + String.join(", ", taken) + ".");
    } catch (RuntimeException e) {
      say.accept(
          "NOTICE: could not resume with the added tables ("
              + e.getMessage()
              + "); resuming without them.");
      try {
        pipeline.replace(PipelineRunner.startChecked(plan, resumed));
        leftOut = added;
      } catch (RuntimeException again) {
        pipeline.failReplace(again);
      }
    }
  }

  /** The tables the publications publish now that the plan does not read. */
  private Set<String> unplanned() {
    Set<String> unplanned = new TreeSet<>();
    for (SourceStream stream : plan.streams()) {
      Set<String> planned = new TreeSet<>();
      stream.tables().forEach(t -> planned.add(t.qualifiedName()));
      for (String table : published(stream)) {
        if (!planned.contains(table)) {
          unplanned.add(table);
        }
      }
    }
    return unplanned;
  }

  private static Set<String> tables(FlinkPlan plan) {
    Set<String> tables = new TreeSet<>();
    for (SourceStream stream : plan.streams()) {
      for (StreamTable table : stream.tables()) {
        tables.add(table.qualifiedName() + " of source " + stream.name().quoted());
      }
    }
    return tables;
  }

  /** The tables (quoted) the stream's publication publishes now. */
  private static List<String> published(SourceStream stream) {
    List<String> tables = new ArrayList<>();
    try (Connection c = PgConnections.open(stream.connection());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
      s.setString(1, stream.publication());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          tables.add(Quote.pgQualified(r.getString(1), r.getString(2)));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read publication " + stream.publication() + ": " + e.getMessage(), e);
    }
    return tables;
  }

  @Override
  public void close() {
    // A re-plan under way completes; no other starts.
    timer.shutdown();
    try {
      timer.awaitTermination(5, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    temporarySavepoints.ifPresent(RunningPipeline::deleteRecursively);
  }
}
