package dev.mzflink.runtime;

import dev.mzflink.UserError;
import dev.mzflink.sink.Lineage;
import dev.mzflink.status.PipelineHealth;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * The Flink configuration every mzflink job runs with: RocksDB state with incremental checkpoints,
 * exactly-once checkpoints retained on cancellation, and a bounded restart strategy (Flink's
 * default retries forever, which makes every failure look like a hang).
 */
public final class FlinkEnvironment {
  /** A checkpoint that takes longer fails (and the next one follows). */
  static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(5);

  private FlinkEnvironment() {}

  /** The job's configuration; {@code checkpointDirectory} empty leaves it to the cluster. */
  public static Configuration configuration(
      RunOptions options, Optional<String> checkpointDirectory) {
    // A local run starts from the Flink configuration FLINK_CONF_DIR points to, as Flink's own
    // tools do (metric reporters, memory); the settings below take precedence over it. Not under
    // flink run, whose configuration (with the cluster's address from -m) is already in place.
    String confDir = System.getenv(ConfigConstants.ENV_FLINK_CONF_DIR);
    boolean local =
        options.jobManager().isEmpty()
            && isLocal(StreamExecutionEnvironment.getExecutionEnvironment());
    Configuration conf =
        confDir != null && local
            ? GlobalConfiguration.loadConfiguration(confDir)
            : new Configuration();
    conf.set(PipelineOptions.NAME, options.jobName());
    // The run of the pipeline the results sink's writers start when they have no state, and when
    // its results count as stalled.
    conf.set(
        PipelineOptions.GLOBAL_JOB_PARAMETERS,
        java.util.Map.of(
            Lineage.PARAMETER,
            Lineage.next(),
            PipelineHealth.STALL_AFTER_PARAMETER,
            Long.toString(options.stallAfterOrDefault(CHECKPOINT_TIMEOUT).toMillis())));
    conf.set(CoreOptions.DEFAULT_PARALLELISM, options.parallelism());
    // Chained operators hand each record on without a copy. Every operator of mzflink's own makes
    // a new object per record it emits and keeps none it receives (state holds serialized bytes);
    // Flink's SQL operators copy what they buffer. Without it each row was copied at every chained
    // hop (14% of the normalizer's time in a snapshot's profile).
    conf.set(PipelineOptions.OBJECT_REUSE, true);
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    // The normalizer looks up every incoming row's key, most of them absent during a snapshot:
    // without bloom filters each miss reads every level of RocksDB (a 1M-row table of 600-byte
    // rows snapshotted at about 300 rows/s once its state outgrew the block cache).
    conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
    // Managed memory of the local MiniCluster (RocksDB's block cache and write buffers, shared by
    // its slots); a cluster uses its own configuration. With 512 MB a snapshot of 10M narrow rows
    // at parallelism 2 stalled half-way: each normalizer's block cache (256 MB) no longer held the
    // index and filter blocks its lookups need, and each lookup went through the files (the bench,
    // 2026-12-04); with 2 GB it read at 128k rows/s to the end.
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(2048));
    checkpointDirectory.ifPresent(dir -> conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir));
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, options.checkpointInterval());
    conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
    // Results are committed when a checkpoint completes, and each commit must be a cut of the
    // stream: every change before the checkpoint's barrier, none after it (the source takes
    // checkpoints only between upstream transactions, so the results reflect a prefix of
    // upstream's transactions). Only aligned checkpoints are such a cut: an unaligned one stores
    // the records its barrier overtook in the checkpoint and processes them after it, so their
    // changes would land in the next commit, splitting a transaction across two commits.
    conf.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
    // A barrier has less to wait behind: the network buffers in flight are sized to about a
    // second of what each channel processes (without it, a view oracle's checkpoints took 11-12 s
    // under load, their state 5-6 MB: time spent aligning behind buffered records).
    conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
    // A checkpoint that fails or times out is followed by the next one; it is no reason to fail
    // the job. While the results database is down the sink's writers wait, so every checkpoint
    // times out until it is back; the job must outlast that, however long it takes.
    conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, Integer.MAX_VALUE);
    conf.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL, 10);
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
        Duration.ofMinutes(5));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY, Duration.ofSeconds(2));
    options.fromSavepoint().ifPresent(path -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path));
    return conf;
  }

  /**
   * The stream environment to build the job in: a remote cluster's when {@code --jobmanager} is
   * given (the job jar is the jar mzflink runs from), the cluster's when started by {@code flink
   * run}, otherwise a local MiniCluster's.
   */
  public static StreamExecutionEnvironment executionEnvironment(
      RunOptions options, Configuration conf) {
    if (options.jobManager().isEmpty()) {
      return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
    String address = options.jobManager().get();
    int colon = address.lastIndexOf(':');
    int port;
    try {
      port = colon < 0 ? 8081 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw UserError.of(String.format("invalid --jobmanager \"%s\"", address))
          .withHint("Write host:port, e.g. localhost:8081.");
    }
    String host = colon < 0 ? address : address.substring(0, colon);
    return StreamExecutionEnvironment.createRemoteEnvironment(host, port, conf, jobJar());
  }

  /** Whether {@code env} runs the job in this process (a MiniCluster). */
  public static boolean isLocal(StreamExecutionEnvironment env) {
    return env instanceof LocalStreamEnvironment;
  }

  /** The jar this code runs from: the job jar a remote cluster gets. */
  static String jobJar() {
    try {
      Path path =
          Path.of(
              FlinkEnvironment.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isRegularFile(path) || !path.toString().endsWith(".jar")) {
        throw UserError.of("--jobmanager needs mzflink's jar")
            .withDetail("mzflink runs from " + path + ", which a cluster cannot load.")
            .withHint("Run it as java -jar job/target/mzflink.jar run ... --jobmanager host:port.");
      }
      return path.toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate mzflink's jar", e);
    }
  }

  /** A table environment on {@code env} (a local MiniCluster's, or the cluster's). */
  public static StreamTableEnvironment tableEnvironment(StreamExecutionEnvironment env) {
    StreamTableEnvironment tables =
        StreamTableEnvironment.create(
            env, EnvironmentSettings.newInstance().inStreamingMode().build());
    // Views evaluate timestamptz (date_trunc, extract, casts to and from it) in UTC, as Materialize
    // does; the results sink writes timestamptz values as UTC instants either way.
    tables.getConfig().setLocalTimeZone(java.time.ZoneOffset.UTC);
    return tables;
  }
}
