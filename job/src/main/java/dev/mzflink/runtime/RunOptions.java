package dev.mzflink.runtime;

import static java.util.Objects.requireNonNull;

import dev.mzflink.Redaction;
import dev.mzflink.translate.SourceReading;
import java.time.Duration;
import java.util.Optional;

/**
 * How to run a pipeline.
 *
 * @param resultsUrl JDBC URL of the results database
 * @param checkpointDirectory where checkpoints go (a URI); empty: on a local MiniCluster a private
 *     temporary directory removed at exit, on a cluster the cluster's configured directory
 * @param checkpointInterval how often state is checkpointed and results are committed
 * @param parallelism the default parallelism of the job
 * @param fromSavepoint a savepoint or retained checkpoint to resume from
 * @param jobName the Flink job name
 * @param sourceReading how sources are read upstream
 * @param jobManager the REST address ({@code host:port}) of a cluster to submit to; empty: run in a
 *     local MiniCluster, or on the cluster of {@code flink run}
 * @param walWarningBytes retained WAL above which a source's status is stalled
 * @param stallAfter how long no checkpoint may complete, or a completed one wait for its commit,
 *     before the sources' status says stalled; empty: three checkpoint intervals plus the
 *     checkpoint timeout
 */
public record RunOptions(
    String resultsUrl,
    Optional<String> checkpointDirectory,
    Duration checkpointInterval,
    int parallelism,
    Optional<String> fromSavepoint,
    String jobName,
    SourceReading sourceReading,
    Optional<String> jobManager,
    long walWarningBytes,
    Optional<Duration> stallAfter) {
  /** The default retained-WAL warning threshold: 1 GiB. */
  public static final long DEFAULT_WAL_WARNING_BYTES = 1L << 30;

  /** The largest parallelism a job may have: the normalizer's key groups. */
  public static final int MAX_PARALLELISM = dev.mzflink.runtime.cdc.SourceStreams.MAX_PARALLELISM;

  /** Options for a local run that reads each source through one slot. */
  public RunOptions(
      String resultsUrl,
      Optional<String> checkpointDirectory,
      Duration checkpointInterval,
      int parallelism,
      Optional<String> fromSavepoint,
      String jobName) {
    this(
        resultsUrl,
        checkpointDirectory,
        checkpointInterval,
        parallelism,
        fromSavepoint,
        jobName,
        SourceReading.ONE_SLOT_PER_SOURCE,
        Optional.empty(),
        DEFAULT_WAL_WARNING_BYTES,
        Optional.empty());
  }

  public RunOptions {
    requireNonNull(resultsUrl, "resultsUrl is null");
    requireNonNull(checkpointDirectory, "checkpointDirectory is null");
    requireNonNull(checkpointInterval, "checkpointInterval is null");
    requireNonNull(fromSavepoint, "fromSavepoint is null");
    requireNonNull(jobName, "jobName is null");
    requireNonNull(sourceReading, "sourceReading is null");
    requireNonNull(jobManager, "jobManager is null");
    requireNonNull(stallAfter, "stallAfter is null");
    if (walWarningBytes < 1) {
      throw new IllegalArgumentException("walWarningBytes must be positive");
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
  }

  @Override
  public String toString() {
    return "RunOptions[resultsUrl="
        + Redaction.url(resultsUrl)
        + ", checkpointDirectory="
        + checkpointDirectory
        + ", checkpointInterval="
        + checkpointInterval
        + ", parallelism="
        + parallelism
        + ", fromSavepoint="
        + fromSavepoint
        + ", jobName="
        + jobName
        + ", sourceReading="
        + sourceReading
        + ", jobManager="
        + jobManager
        + ", walWarningBytes="
        + walWarningBytes
        + "]";
  }

  public RunOptions withSourceReading(SourceReading reading) {
    return new RunOptions(
        resultsUrl,
        checkpointDirectory,
        checkpointInterval,
        parallelism,
        fromSavepoint,
        jobName,
        reading,
        jobManager,
        walWarningBytes,
        stallAfter);
  }

  public RunOptions withFromSavepoint(Optional<String> savepoint) {
    return new RunOptions(
        resultsUrl,
        checkpointDirectory,
        checkpointInterval,
        parallelism,
        savepoint,
        jobName,
        sourceReading,
        jobManager,
        walWarningBytes,
        stallAfter);
  }

  public RunOptions withWalWarningBytes(long bytes) {
    return new RunOptions(
        resultsUrl,
        checkpointDirectory,
        checkpointInterval,
        parallelism,
        fromSavepoint,
        jobName,
        sourceReading,
        jobManager,
        bytes,
        stallAfter);
  }

  public RunOptions withJobManager(Optional<String> address) {
    return new RunOptions(
        resultsUrl,
        checkpointDirectory,
        checkpointInterval,
        parallelism,
        fromSavepoint,
        jobName,
        sourceReading,
        address,
        walWarningBytes,
        stallAfter);
  }

  public RunOptions withStallAfter(Optional<Duration> after) {
    return new RunOptions(
        resultsUrl,
        checkpointDirectory,
        checkpointInterval,
        parallelism,
        fromSavepoint,
        jobName,
        sourceReading,
        jobManager,
        walWarningBytes,
        after);
  }

  /** The stall time in effect. */
  public Duration stallAfterOrDefault(Duration checkpointTimeout) {
    return stallAfter.orElse(checkpointInterval.multipliedBy(3).plus(checkpointTimeout));
  }
}
