package dev.mzflink.runtime;

import dev.mzflink.UserError;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.PgConnections;
import dev.mzflink.sink.ResultsTables;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import dev.mzflink.translate.FlinkSqlRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import dev.mzflink.runtime.cdc.SourceStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a pipeline: prepares the results database, then submits the Flink job. */
public final class PipelineRunner {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);

  private PipelineRunner() {}

  /**
   * Creates (fresh start) or verifies (resume) the results tables, then submits the job and
   * returns once it is submitted.
   */
  public static RunningPipeline start(FlinkPlan plan, List<Source> sources, RunOptions options) {
    checkResultsDatabase(options.resultsUrl(), sources);
    try (Connection results = openResults(options.resultsUrl())) {
      if (options.fromSavepoint().isPresent()) {
        for (String created : ResultsTables.prepareResume(results, plan.resultsTables())) {
          LOG.info("Created results table {} for a view that is new since the savepoint", created);
        }
      } else {
        ResultsTables.recreate(results, plan.resultsTables());
      }
    } catch (SQLException e) {
      throw UserError.of("could not prepare the results database").withDetail(e.getMessage());
    }

    Optional<Path> temporaryCheckpoints = Optional.empty();
    String checkpointDirectory;
    if (options.checkpointDirectory().isPresent()) {
      checkpointDirectory = options.checkpointDirectory().get();
    } else {
      try {
        Path dir = Files.createTempDirectory("mzflink-checkpoints-");
        temporaryCheckpoints = Optional.of(dir);
        checkpointDirectory = dir.toUri().toString();
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a checkpoint directory", e);
      }
    }
    Configuration conf = FlinkEnvironment.configuration(options, checkpointDirectory);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    StreamTableEnvironment tableEnvironment = FlinkEnvironment.tableEnvironment(env);
    List<String> statements;
    if (options.sourceReading() == RunOptions.SourceReading.PER_TABLE_SQL) {
      statements = FlinkSqlRenderer.statements(plan, true);
    } else {
      for (String statement : FlinkSqlRenderer.databases(plan)) {
        tableEnvironment.executeSql(statement);
      }
      // Each source through one replication slot, its tables registered under their Flink names.
      SourceStreams.register(env, tableEnvironment, plan.streams());
      statements = FlinkSqlRenderer.pipeline(plan, true);
    }
    TableResult submitted = null;
    String statementSet = plan.inserts().isEmpty() ? null : FlinkSqlRenderer.statementSet(plan.inserts());
    for (String statement : statements) {
      if (statement.equals(statementSet)) {
        ViewSchemas.verify(tableEnvironment, plan.views());
      }
      LOG.info("Executing Flink SQL: {}", firstLine(statement));
      submitted = tableEnvironment.executeSql(statement);
    }
    if (submitted == null || submitted.getJobClient().isEmpty()) {
      throw UserError.of("the script materializes nothing")
          .withDetail("No source is MATERIALIZED, so no results table would be written.")
          .withHint("Use CREATE MATERIALIZED SOURCE, or materialize a view of the source.");
    }
    JobClient job = submitted.getJobClient().get();
    LOG.info("Submitted job {} ({})", job.getJobID(), options.jobName());
    List<ReplicationSlot> slots =
        options.sourceReading() == RunOptions.SourceReading.PER_TABLE_SQL
            ? plan.slots()
            : plan.streams().stream().map(st -> new ReplicationSlot(st.slot(), st.source())).toList();
    return new RunningPipeline(job, slots, sources, checkpointDirectory, temporaryCheckpoints);
  }

  private static String firstLine(String statement) {
    int nl = statement.indexOf('\n');
    return nl < 0 ? statement : statement.substring(0, nl) + " ...";
  }

  static Connection openResults(String url) {
    return PgConnections.open(url, new Properties(), "the results database " + redactUrl(url));
  }

  /** The URL with any password replaced. */
  public static String redactUrl(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1********");
  }

  /**
   * Refuses a results database that is also the upstream database of a source whose publication
   * is FOR ALL TABLES: results written there would be replicated back into the pipeline.
   */
  static void checkResultsDatabase(String resultsUrl, List<Source> sources) {
    String fingerprint;
    try (Connection results = openResults(resultsUrl)) {
      fingerprint = fingerprint(results);
    } catch (SQLException e) {
      throw UserError.of("could not read the results database").withDetail(e.getMessage());
    }
    for (Source source : sources) {
      if (!source.publication().allTables()) {
        continue;
      }
      try (Connection upstream = PgConnections.open(source.connection())) {
        if (fingerprint.equals(fingerprint(upstream))) {
          throw UserError.of(
                  String.format(
                      "the results database is the upstream database of source %s", source.name().quoted()))
              .withDetail(
                  String.format(
                      "Publication \"%s\" is FOR ALL TABLES, so the results tables would be replicated back into the pipeline.",
                      source.publication().name()))
              .withHint("Write results to another database: --results-url jdbc:postgresql://host:port/results.");
        }
      } catch (SQLException e) {
        throw UserError.of("could not read the upstream database").withDetail(e.getMessage());
      }
    }
  }

  private static String fingerprint(Connection c) throws SQLException {
    try (PreparedStatement s =
            c.prepareStatement(
                "SELECT pg_postmaster_start_time()::text || '/' || current_setting('port') || '/' || current_database()");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getString(1);
    }
  }
}
