package dev.mzflink.runtime;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import dev.mzflink.pg.DatabaseIdentity;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.runtime.cdc.SourceStreams;
import dev.mzflink.runtime.cdc.UpstreamTableFactory;
import dev.mzflink.sink.ResultsCommitGroup;
import dev.mzflink.sink.ResultsTables;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.PublishedParts;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkPlan.FlinkInsert;
import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.UpstreamSource;
import dev.mzflink.translate.FlinkSqlRenderer;
import dev.mzflink.translate.SourceReading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a pipeline: prepares the results database, then submits the Flink job. */
public final class PipelineRunner {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);

  private PipelineRunner() {}

  /**
   * Creates (fresh start) or verifies (resume) the results tables, then submits the job and returns
   * once it is submitted.
   */
  public static RunningPipeline start(FlinkPlan plan, RunOptions requested) {
    checkResultsDatabase(requested.resultsUrl(), plan);
    return startChecked(plan, requested);
  }

  /**
   * {@link #start}, for a caller that ran {@link #checkResultsDatabase} itself before it touched
   * the results database.
   */
  public static RunningPipeline startChecked(FlinkPlan plan, RunOptions requested) {
    return startChecked(plan, requested, false);
  }

  /**
   * {@link #startChecked(FlinkPlan, RunOptions)}; with {@code dropLeftOut}, a resume drops the
   * savepoint's state of operators the plan no longer has (views left out of it).
   */
  static RunningPipeline startChecked(FlinkPlan plan, RunOptions requested, boolean dropLeftOut) {
    // A savepoint given to flink run (-s) or by the Kubernetes operator counts as --from-savepoint.
    Optional<String> savepoint =
        requested
            .fromSavepoint()
            .or(
                () ->
                    StreamExecutionEnvironment.getExecutionEnvironment()
                        .getConfiguration()
                        .getOptional(StateRecoveryOptions.SAVEPOINT_PATH));
    RunOptions options = requested.withFromSavepoint(savepoint.map(ResumeCheck::resolve));
    if (options.fromSavepoint().isPresent()
        && options.sourceReading() == SourceReading.ONE_SLOT_PER_SOURCE) {
      ResumeCheck.check(options.fromSavepoint().get(), plan.streams());
      ResumeCheck.checkPublishedParts(options.resultsUrl(), plan.streams());
    }
    boolean local =
        options.jobManager().isEmpty()
            && FlinkEnvironment.isLocal(StreamExecutionEnvironment.getExecutionEnvironment());
    // Nothing is touched before the pipeline's slots are known to be its own.
    List<ReplicationSlot> slots = plan.slots(options.sourceReading());
    OwnedSlots.Claim claim =
        OwnedSlots.check(
            slots,
            options.resultsUrl(),
            options.jobName(),
            keptFor(options, local),
            createdByMzflink(options));
    try {
      return submit(plan, options, local, slots, claim, dropLeftOut);
    } catch (RuntimeException | Error e) {
      OwnedSlots.forgetUncreated(slots, options.resultsUrl());
      throw e;
    }
  }

  /**
   * Which of a pipeline's slots mzflink's own source creates (and records as created): all on the
   * one-slot path, none on the per-table path (Flink CDC creates those).
   */
  static Predicate<String> createdByMzflink(RunOptions options) {
    boolean own = createsSlots(options.sourceReading());
    return slot -> own;
  }

  /** Whether mzflink's own source creates the slots of {@code reading} (Flink CDC's otherwise). */
  public static boolean createsSlots(SourceReading reading) {
    return reading == SourceReading.ONE_SLOT_PER_SOURCE;
  }

  /**
   * What may still need a pipeline's slots when its run ends without dropping them: a job on a
   * cluster (it may be stopped with a savepoint), or a local one whose checkpoints are retained.
   */
  private static Optional<String> keptFor(RunOptions options, boolean local) {
    if (!local) {
      return Optional.of("a Flink job on a cluster (a savepoint of it may resume)");
    }
    return options.checkpointDirectory().map(d -> "retained checkpoints in " + d);
  }

  private static RunningPipeline submit(
      FlinkPlan plan,
      RunOptions options,
      boolean local,
      List<ReplicationSlot> slots,
      OwnedSlots.Claim claim,
      boolean dropLeftOut) {
    Optional<Path> temporaryCheckpoints = Optional.empty();
    Optional<String> checkpointDirectory = options.checkpointDirectory();
    if (checkpointDirectory.isEmpty() && local) {
      try {
        Path dir = Files.createTempDirectory("mzflink-checkpoints-");
        temporaryCheckpoints = Optional.of(dir);
        checkpointDirectory = Optional.of(dir.toUri().toString());
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a checkpoint directory", e);
      }
    }
    try {
      return submitWithCheckpoints(
          plan,
          options,
          local,
          slots,
          claim,
          checkpointDirectory,
          temporaryCheckpoints,
          dropLeftOut);
    } catch (RuntimeException | Error e) {
      temporaryCheckpoints.ifPresent(RunningPipeline::deleteRecursively);
      throw e;
    }
  }

  private static RunningPipeline submitWithCheckpoints(
      FlinkPlan plan,
      RunOptions options,
      boolean local,
      List<ReplicationSlot> slots,
      OwnedSlots.Claim claim,
      Optional<String> checkpointDirectory,
      Optional<Path> temporaryCheckpoints,
      boolean dropLeftOut) {
    String run = HexFormat.of().formatHex(RUN_TOKENS.generateSeed(4));
    Configuration conf = FlinkEnvironment.configuration(options, checkpointDirectory);
    if (dropLeftOut) {
      conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
    }
    Graph built = graph(plan, options, conf, run);
    if (options.fromSavepoint().isPresent()) {
      ResumeCheck.checkResultsTables(
          options.fromSavepoint().get(), built.reads(), copyTables(plan));
    }
    try (Connection results = openResults(options.resultsUrl())) {
      for (String prepared :
          ResultsTables.prepare(
              results,
              plan.resultsTables(),
              options.fromSavepoint().isPresent(),
              copyTables(plan))) {
        LOG.info("Results table {}", prepared);
      }
      // After prepare found the results tables to be the pipeline's: a refused start writes
      // nothing.
      claim.record(results);
      if (options.sourceReading() == SourceReading.ONE_SLOT_PER_SOURCE) {
        // What each snapshot reads of its tables, for a later resume to compare.
        for (SourceStream stream : plan.streams()) {
          PublishedParts.record(
              results,
              stream.name().quoted(),
              stream.slot(),
              stream.publication(),
              ResumeCheck.publishedParts(stream),
              options.fromSavepoint().isEmpty());
        }
      }
    } catch (SQLException e) {
      throw UserError.of("could not prepare the results database").withDetail(e.getMessage());
    }

    built.graph().setJobName(options.jobName());
    JobClient job;
    try {
      job = built.env().executeAsync(built.graph());
    } catch (Exception e) {
      throw new IllegalStateException("could not submit the Flink job: " + e.getMessage(), e);
    }
    LOG.info("Submitted job {} ({})", job.getJobID(), options.jobName());
    if (!local) {
      OwnedSlots.keep(
          slots,
          options.resultsUrl(),
          "Flink job " + job.getJobID() + " on a cluster (a savepoint of it may resume)");
    }
    return new RunningPipeline(
        job,
        slots,
        options.resultsUrl(),
        run,
        createdByMzflink(options),
        checkpointDirectory.orElse("(the cluster's)"),
        temporaryCheckpoints,
        local);
  }

  /**
   * Per source (quoted), its upstream tables (quoted) whose results table (quoted) is a copy of the
   * table: the tables of a MATERIALIZED source.
   */
  static Map<String, Map<String, String>> copies(FlinkPlan plan) {
    Map<FlinkPlan.FlinkName, String> targetOf = new java.util.HashMap<>();
    for (FlinkInsert insert : plan.inserts()) {
      targetOf.put(
          insert.source(), Quote.pgQualified(insert.target().database(), insert.target().name()));
    }
    Map<String, Map<String, String>> copies = new java.util.TreeMap<>();
    for (SourceStream stream : plan.streams()) {
      for (FlinkPlan.StreamTable table : stream.tables()) {
        String target = targetOf.get(table.flinkName());
        if (target != null) {
          copies
              .computeIfAbsent(stream.name().quoted(), k -> new java.util.TreeMap<>())
              .put(table.qualifiedName(), target);
        }
      }
    }
    return copies;
  }

  /**
   * A pipeline's job, built but not submitted.
   *
   * @param reads per results table writer's uid, the uids of the planner's operators it reads from
   */
  record Graph(StreamExecutionEnvironment env, StreamGraph graph, Map<String, Set<String>> reads) {}

  /**
   * Builds the pipeline's job in an environment configured by {@code conf}, without touching either
   * database; {@code run} is a token of this run.
   */
  static Graph graph(FlinkPlan plan, RunOptions options, Configuration conf, String run) {
    StreamExecutionEnvironment env = FlinkEnvironment.executionEnvironment(options, conf);
    StreamTableEnvironment tableEnvironment = FlinkEnvironment.tableEnvironment(env);
    try {
      Job built = build(plan, options, env, tableEnvironment, run);
      // One committer commits each checkpoint of every results table in one transaction.
      try (ResultsCommitGroup group = ResultsCommitGroup.open(env, options.resultsUrl())) {
        built.inserts().attachAsDataStream();
        built.sources().positions().forEach(group::addPositions);
        copies(plan).forEach(group::addCopies);
        group.attachCommitter(built.sources().upstream());
      }
      Map<String, Set<String>> reads = StableUids.assign(env.getTransformations());
      return new Graph(env, env.getStreamGraph(), reads);
    } finally {
      // The upstream tables' streams are in the graph now (or the job is not built).
      UpstreamTableFactory.forget(run + "/");
    }
  }

  /** The results tables (quoted) that are copies of upstream tables. */
  static Set<String> copyTables(FlinkPlan plan) {
    Set<String> tables = new java.util.TreeSet<>();
    copies(plan).values().forEach(m -> tables.addAll(m.values()));
    return tables;
  }

  /** A job's tables and INSERTs in a table environment, and its sources' reading. */
  private record Job(StreamStatementSet inserts, SourceStreams.Registered sources) {}

  /**
   * Registers the plan's upstream tables (their reading added to {@code env}), views and sinks in
   * {@code tableEnvironment}, and returns the INSERTs that fill the results tables.
   */
  private static Job build(
      FlinkPlan plan,
      RunOptions options,
      StreamExecutionEnvironment env,
      StreamTableEnvironment tableEnvironment,
      String run) {
    List<String> ddl = new ArrayList<>();
    SourceStreams.Registered sources = new SourceStreams.Registered(Map.of(), Map.of());
    if (options.sourceReading() == SourceReading.PER_TABLE_SQL) {
      ddl.addAll(FlinkSqlRenderer.ddl(plan, true));
    } else {
      for (String statement : FlinkSqlRenderer.databases(plan)) {
        tableEnvironment.executeSql(statement);
      }
      // Each source through one replication slot, its tables registered under their Flink names.
      sources =
          SourceStreams.register(
              env,
              tableEnvironment,
              plan.streams(),
              options.resultsUrl(),
              options.walWarningBytes(),
              options.jobName(),
              run);
      // Copies of upstream tables take retractions of rows read before a column was added, with
      // null in it (see StoredShapes): their columns outside the key are declared nullable.
      Set<FlinkPlan.FlinkName> copySinks = new java.util.HashSet<>();
      Set<FlinkPlan.FlinkName> streamed = new java.util.HashSet<>();
      plan.streams().forEach(st -> st.tables().forEach(t -> streamed.add(t.flinkName())));
      for (FlinkInsert insert : plan.inserts()) {
        if (streamed.contains(insert.source())) {
          copySinks.add(insert.target());
        }
      }
      ddl.addAll(FlinkSqlRenderer.sinkDdl(plan, true, copySinks));
    }
    for (String statement : ddl) {
      LOG.info("Executing Flink SQL: {}", firstLine(statement));
      tableEnvironment.executeSql(statement);
    }
    if (plan.inserts().isEmpty()) {
      throw UserError.of("the script materializes nothing")
          .withDetail("No source is MATERIALIZED, so no results table would be written.")
          .withHint("Use CREATE MATERIALIZED SOURCE, or materialize a view of the source.");
    }
    ViewSchemas.verify(tableEnvironment, plan.views());
    StreamStatementSet inserts = tableEnvironment.createStatementSet();
    for (FlinkInsert insert : plan.inserts()) {
      inserts.addInsertSql(FlinkSqlRenderer.insert(insert));
    }
    return new Job(inserts, sources);
  }

  /**
   * Flink's plan of the pipeline's views and results tables (the optimized plan and the physical
   * execution plan, as Flink's EXPLAIN prints them), without touching either database.
   */
  public static String explain(FlinkPlan plan, RunOptions options) {
    String run = HexFormat.of().formatHex(RUN_TOKENS.generateSeed(4));
    Configuration conf = FlinkEnvironment.configuration(options, Optional.empty());
    StreamExecutionEnvironment env = FlinkEnvironment.executionEnvironment(options, conf);
    StreamTableEnvironment tableEnvironment = FlinkEnvironment.tableEnvironment(env);
    try {
      return build(plan, options, env, tableEnvironment, run).inserts().explain();
    } finally {
      UpstreamTableFactory.forget(run + "/");
    }
  }

  /** Run tokens: random, so that two runs of one pipeline never share one. */
  private static final SecureRandom RUN_TOKENS = new SecureRandom();

  private static String firstLine(String statement) {
    int nl = statement.indexOf('\n');
    return nl < 0 ? statement : statement.substring(0, nl) + " ...";
  }

  static Connection openResults(String url) {
    return PgConnections.open(url, new Properties(), "the results database " + Redaction.url(url));
  }

  /**
   * Refuses a results database that is the upstream database of any source of the plan (also of a
   * source the script drops): mzflink would create its schema there and take over upstream tables
   * of the results tables' names, truncating and rewriting the data it replicates. "The same" is
   * decided by the servers, not by the URLs' text (see {@link DatabaseIdentity}). Reads both sides
   * and changes nothing; call it before anything touches the results database.
   */
  public static void checkResultsDatabase(String resultsUrl, FlinkPlan plan) {
    DatabaseIdentity results;
    try (Connection c = openResults(resultsUrl)) {
      results = DatabaseIdentity.of(c);
    } catch (SQLException e) {
      throw UserError.of("could not read the results database").withDetail(e.getMessage());
    }
    List<UpstreamSource> sources = new ArrayList<>(plan.sources());
    sources.addAll(plan.droppedSources());
    for (UpstreamSource source : sources) {
      DatabaseIdentity upstream;
      try (Connection c = PgConnections.open(source.connection())) {
        upstream = DatabaseIdentity.of(c);
      } catch (SQLException e) {
        throw UserError.of(
                String.format(
                    "could not read the upstream database of source %s", source.name().quoted()))
            .withDetail(e.getMessage());
      }
      if (results.sameDatabaseAs(upstream)) {
        throw UserError.of(
                String.format(
                    "the results database %s is the upstream database of source %s",
                    Redaction.url(resultsUrl), source.name().quoted()))
            .withDetail(
                String.format(
                    "--results-url and the source's HOST (%s) reach the same database \"%s\" on the same server. mzflink"
                        + " would create its tables there and write each results table over the upstream table of the same"
                        + " name, rewriting the data it replicates%s. Nothing was changed.",
                    source.connection().describe(),
                    upstream.databaseName(),
                    source.allTables()
                        ? String.format(
                            ", and publication \"%s\" is FOR ALL TABLES, so the results would be"
                                + " replicated back into the pipeline",
                            source.publication())
                        : ""))
            .withHint(
                "Write the results into another database: CREATE DATABASE results; then"
                    + " --results-url jdbc:postgresql://host:port/results.");
      }
    }
  }
}
