package dev.mzflink.runtime;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the publications of a running pipeline: when a table is added to a source's publication
 * and the script takes it ({@code CREATE VIEWS FROM SOURCE s} without a list), or the columns of a
 * table it reads change upstream (added, dropped, renamed, retyped), the pipeline is stopped with a
 * savepoint and resumed from it with the script compiled again: the source snapshots a new table,
 * and reads a changed one again, at its own consistent point and hands it over to the stream; a
 * changed table's results table is altered; every other table and view goes on from the savepoint's
 * state. A materialized view that reads a dropped or retyped column is left out of the new plan,
 * said and marked errored (see {@link NextPlan}). A table the script leaves out is reported once.
 *
 * <p>A table removed from the publication does not start a re-plan: it is marked dropped by the
 * source itself, and a plan without it could not resume its state, so it waits for the next start.
 */
public final class PublicationFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PublicationFollower.class);

  private final RunningPipeline pipeline;
  private final RunOptions options;
  private final String script;
  private final Function<String, FlinkPlan> compile;
  private final Consumer<String> say;
  private final ScheduledExecutorService timer;
  private final Optional<Path> temporarySavepoints;
  private final String savepoints;
  private FlinkPlan plan;

  /** The tables last found in the publications that the script leaves out: said once. */
  private Set<String> leftOut = Set.of();

  /** The columns of the published tables at the last look that was acted on, per source. */
  private Map<String, String> shapes = Map.of();

  /** The views left out of the plan, by their statement's offset in the script. */
  private Map<Integer, Statement.CreateView> leftOutViews = Map.of();

  /** The plan a restart waits for (the snapshots to end) with, and the columns it was made of. */
  private NextPlan pending;

  private Map<String, String> pendingShapes;

  /** What each results table's writer of {@link #plan} reads (built when first needed). */
  private Map<String, Set<String>> planReads;

  private PublicationFollower(
      RunningPipeline pipeline,
      FlinkPlan plan,
      RunOptions options,
      String script,
      Function<String, FlinkPlan> compile,
      Consumer<String> say) {
    this.pipeline = pipeline;
    this.plan = plan;
    this.options = options;
    this.script = script;
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
   * its sources read through one slot each) every {@code every}; {@code compile} compiles a script
   * ({@code script}, or it with views left out) against upstream as it is then, throwing a {@link
   * UserError} at the statement that does not compile, and {@code say} tells the user what happens.
   */
  public static PublicationFollower start(
      RunningPipeline pipeline,
      FlinkPlan plan,
      RunOptions options,
      String script,
      Function<String, FlinkPlan> compile,
      Consumer<String> say,
      Duration every) {
    PublicationFollower follower =
        new PublicationFollower(pipeline, plan, options, script, compile, say);
    try {
      // What the script left out when it started is not news. The columns are compared at the
      // first look (its plan against the script compiled again): a change between the script's
      // compile and now would otherwise be the baseline.
      follower.leftOut = follower.unplanned(new TreeMap<>());
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

  /**
   * Looks at the publications once, and re-plans the pipeline when a table was added or the columns
   * of a table changed.
   */
  synchronized void check() {
    Map<String, String> now = new TreeMap<>();
    Set<String> added = unplanned(now);
    boolean reshaped = !now.equals(shapes);
    if (leftOut.containsAll(added) && !reshaped) {
      return;
    }
    NextPlan next = now.equals(pendingShapes) ? pending : null;
    pending = null;
    pendingShapes = null;
    try {
      if (next == null) {
        next = NextPlan.compile(script, compile, plan, leftOutViews, this::reads);
      }
    } catch (UserError e) {
      say.accept(
          String.format(
              "NOTICE: %s, but the script does not compile with them: %s. The pipeline goes on"
                  + " as it was.",
              added.isEmpty()
                  ? "tables changed upstream"
                  : "tables were added to a publication (" + String.join(", ", added) + ")",
              e.getMessage()));
      leftOut = added;
      shapes = now;
      return;
    }
    Set<String> before = tables(plan);
    Set<String> after = tables(next.plan());
    if (!after.containsAll(before)) {
      Set<String> gone = new TreeSet<>(before);
      gone.removeAll(after);
      say.accept(
          String.format(
              "NOTICE: tables were added to a publication or changed (%s) while others left it"
                  + " (%s): the pipeline reads them as they are now from its next start.",
              String.join(", ", added.isEmpty() ? next.changed().keySet() : added),
              String.join(", ", gone)));
      leftOut = added;
      shapes = now;
      return;
    }
    Set<String> taken = new TreeSet<>(after);
    taken.removeAll(before);
    Map<String, String> changed = next.changed();
    if (!next.rekeyed().isEmpty()) {
      // The restored job would refuse the table's saved rows (they are keyed by the old key) and
      // stop: the pipeline goes on as it is, the table errored by the stream at its next change.
      say.accept(
          String.format(
              "NOTICE: the primary key of a table changed upstream (%s): a pipeline cannot follow"
                  + " that from its saved state, so it goes on as it was (the table is errored at"
                  + " its next change). Start the pipeline from scratch (without"
                  + " --from-savepoint) to read the table with its new key.",
              String.join("; ", next.rekeyed().values())));
      leftOut = added;
      shapes = now;
      return;
    }
    if (taken.isEmpty() && changed.isEmpty() && next.reasons().isEmpty()) {
      if (!leftOut.containsAll(added)) {
        say.accept(
            String.format(
                "NOTICE: tables were added to a publication (%s); the script's CREATE VIEWS lists"
                    + " the tables it reads, so they are left out.",
                String.join(", ", added)));
      }
      leftOut = added;
      shapes = now;
      return;
    }
    if (!settled()) {
      // A savepoint now would hold a snapshot under way, which the resumed source reads again
      // from its start (or a re-read, which a restart interrupts): the next look tries again.
      LOG.info(
          "Tables added to a publication or changed ({}, {}): waiting for the snapshots to end",
          taken,
          changed.keySet());
      pending = next;
      pendingShapes = now;
      return;
    }
    if (replan(next, taken, changed, added)) {
      shapes = now;
    }
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
   * of those the publications {@code added}, and the tables {@code changed} as they are now; when
   * it cannot start, resumes the current plan. Returns whether the pipeline went on with either.
   */
  private boolean replan(
      NextPlan next, Set<String> taken, Map<String, String> changed, Set<String> added) {
    if (!pipeline.beginReplace()) {
      return false;
    }
    List<String> news = new ArrayList<>();
    if (!taken.isEmpty()) {
      news.add("Tables added to the publication: " + String.join(", ", taken) + ".");
    }
    if (!changed.isEmpty()) {
      news.add("Tables changed upstream: " + String.join("; ", changed.values()) + ".");
    }
    say.accept(
        String.join(" ", news)
            + " Restarting the pipeline with them (stop with a savepoint, resume with the script"
            + " compiled again)...");
    String savepoint;
    try {
      savepoint = pipeline.stopWithSavepoint(savepoints);
    } catch (Exception e) {
      say.accept("NOTICE: could not stop the pipeline with a savepoint: " + e.getMessage());
      pipeline.keepJob();
      return false;
    }
    RunOptions resumed = options.withFromSavepoint(Optional.of(savepoint));
    try {
      pipeline.replace(
          PipelineRunner.startChecked(next.plan(), resumed, !next.leftOut().isEmpty()));
      plan = next.plan();
      planReads = null;
      leftOutViews = next.leftOut();
      leftOut = Set.of();
      next.reasons().forEach(this::viewLeftOut);
      say.accept(
          "Resumed from "
              + savepoint
              + " with "
              + String.join(", ", taken.isEmpty() ? changed.keySet() : taken)
              + (taken.isEmpty() || changed.isEmpty()
                  ? ""
                  : " and " + String.join(", ", changed.keySet()))
              + ".");
      return true;
    } catch (RuntimeException e) {
      say.accept(
          "NOTICE: could not resume with the script compiled again ("
              + e.getMessage()
              + "); resuming as it was.");
      try {
        pipeline.replace(PipelineRunner.startChecked(plan, resumed));
        leftOut = added;
        return true;
      } catch (RuntimeException again) {
        pipeline.failReplace(again);
        return false;
      }
    }
  }

  /** Says that the materialized view of results table {@code view} is left out, and marks it. */
  private void viewLeftOut(String view, String reason) {
    String message =
        String.format(
            "materialized view %s is no longer maintained: %s. Its results table keeps its rows"
                + " from before the change; start the pipeline from scratch (without"
                + " --from-savepoint) with the view changed to maintain it again",
            view, reason);
    say.accept("NOTICE: " + message);
    for (SourceStream stream : plan.streams()) {
      SourceStatuses.mark(
          options.resultsUrl(),
          stream.name().quoted(),
          List.of(view),
          SourceStatuses.Status.ERRORED,
          message);
    }
  }

  /** What each results table's writer of {@code p} reads, from its job built aside. */
  private Map<String, Set<String>> reads(FlinkPlan p) {
    if (p == plan && planReads != null) {
      return planReads;
    }
    Map<String, Set<String>> reads =
        PipelineRunner.graph(
                p, options, FlinkEnvironment.configuration(options, Optional.empty()), "follow")
            .reads();
    if (p == plan) {
      planReads = reads;
    }
    return reads;
  }

  /**
   * The tables the publications publish now that the plan does not read; puts the columns of the
   * tables each source's publication publishes into {@code shapes}.
   */
  private Set<String> unplanned(Map<String, String> shapes) {
    Set<String> unplanned = new TreeSet<>();
    for (SourceStream stream : plan.streams()) {
      Set<String> planned = new TreeSet<>();
      stream.tables().forEach(t -> planned.add(t.qualifiedName()));
      StringBuilder columns = new StringBuilder();
      for (String table : published(stream, columns)) {
        if (!planned.contains(table)) {
          unplanned.add(table);
        }
      }
      shapes.put(stream.name().quoted(), columns.toString());
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

  /**
   * The tables (quoted) the stream's publication publishes now; appends their columns (names, types
   * and type modifiers) to {@code columns}.
   */
  private static List<String> published(SourceStream stream, StringBuilder columns) {
    List<String> tables = new ArrayList<>();
    try (Connection c = PgConnections.open(stream.connection());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT p.schemaname, p.tablename, a.attname, a.atttypid, a.atttypmod"
                    + " FROM pg_publication_tables p"
                    + " JOIN pg_namespace n ON n.nspname = p.schemaname"
                    + " JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = p.tablename"
                    + " LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0"
                    + " AND NOT a.attisdropped"
                    + " WHERE p.pubname = ? ORDER BY 1, 2, a.attnum")) {
      s.setString(1, stream.publication());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String table = Quote.pgQualified(r.getString(1), r.getString(2));
          if (tables.isEmpty() || !tables.get(tables.size() - 1).equals(table)) {
            tables.add(table);
          }
          columns
              .append(table)
              .append(' ')
              .append(r.getString(3))
              .append(' ')
              .append(r.getLong(4))
              .append(' ')
              .append(r.getInt(5))
              .append('\n');
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
