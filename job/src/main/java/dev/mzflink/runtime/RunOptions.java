package dev.mzflink.runtime;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * How to run a pipeline.
 *
 * @param resultsUrl JDBC URL of the results database
 * @param checkpointDirectory where checkpoints go (a URI); empty: a private temporary directory
 *     removed at exit
 * @param checkpointInterval how often state is checkpointed and results are committed
 * @param parallelism the default parallelism of the job
 * @param fromSavepoint a savepoint or retained checkpoint to resume from
 * @param jobName the Flink job name
 * @param sourceReading how sources are read upstream
 */
public record RunOptions(
    String resultsUrl,
    Optional<String> checkpointDirectory,
    Duration checkpointInterval,
    int parallelism,
    Optional<String> fromSavepoint,
    String jobName,
    SourceReading sourceReading) {
  /** How the job reads its sources. */
  public enum SourceReading {
    /** One replication slot per source, with mzflink's normalizer (the default). */
    ONE_SLOT_PER_SOURCE,
    /** The translated Flink SQL as is: one postgres-cdc table and replication slot per table. */
    PER_TABLE_SQL
  }

  /** Options that read each source through one slot. */
  public RunOptions(
      String resultsUrl,
      Optional<String> checkpointDirectory,
      Duration checkpointInterval,
      int parallelism,
      Optional<String> fromSavepoint,
      String jobName) {
    this(resultsUrl, checkpointDirectory, checkpointInterval, parallelism, fromSavepoint, jobName, SourceReading.ONE_SLOT_PER_SOURCE);
  }

  public RunOptions {
    requireNonNull(sourceReading, "sourceReading is null");
    requireNonNull(resultsUrl, "resultsUrl is null");
    requireNonNull(checkpointDirectory, "checkpointDirectory is null");
    requireNonNull(checkpointInterval, "checkpointInterval is null");
    requireNonNull(fromSavepoint, "fromSavepoint is null");
    requireNonNull(jobName, "jobName is null");
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
  }
}
