package dev.mzflink.runtime;

import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A submitted pipeline: wait for it, or stop it and clean up what it owns upstream. */
public final class RunningPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunningPipeline.class);

  /** How long a stopped job's walsenders get to let go of its slots. */
  static final Duration SLOT_RELEASE = Duration.ofSeconds(15);

  // All but resultsUrl are replaced when a re-plan replaces the job (replace).
  private volatile JobClient job;
  private volatile List<ReplicationSlot> slots;
  private final String resultsUrl;
  private volatile String run;
  private volatile Predicate<String> createdByMzflink;
  private volatile String checkpointDirectory;
  private volatile Optional<Path> temporaryCheckpoints;
  private volatile boolean local;
  private boolean stopped;
  private List<String> slotsLeft = List.of();

  /** While a re-plan replaces the job: await and stop wait for it. */
  private boolean replacing;

  /** Why a re-plan could not start a job again, for await to throw. */
  private Exception replaceFailure;

  RunningPipeline(
      JobClient job,
      List<ReplicationSlot> slots,
      String resultsUrl,
      String run,
      Predicate<String> createdByMzflink,
      String checkpointDirectory,
      Optional<Path> temporaryCheckpoints,
      boolean local) {
    this.job = job;
    this.slots = List.copyOf(slots);
    this.resultsUrl = resultsUrl;
    this.run = run;
    this.createdByMzflink = createdByMzflink;
    this.checkpointDirectory = checkpointDirectory;
    this.temporaryCheckpoints = temporaryCheckpoints;
    this.local = local;
  }

  /**
   * Whether the job runs in this process (a local MiniCluster that ends with it) rather than on a
   * cluster, where it goes on after mzflink exits.
   */
  public boolean isLocal() {
    return local;
  }

  /** The replication slots the job reads from, with their sources and connections. */
  public List<ReplicationSlot> slots() {
    return slots;
  }

  /** The replication slots the job reads from. */
  public List<String> slotNames() {
    return slots.stream().map(ReplicationSlot::name).toList();
  }

  public JobID jobId() {
    return job.getJobID();
  }

  public JobStatus status() throws Exception {
    return job.getJobStatus().get(30, TimeUnit.SECONDS);
  }

  public String checkpointDirectory() {
    return checkpointDirectory;
  }

  /**
   * Blocks until the job ends; throws with the job's failure if it failed. A job stopped to be
   * replaced by a re-plan (see {@link #beginReplace}) does not count: this waits for its successor.
   */
  public void await() throws Exception {
    while (true) {
      JobClient watched = job;
      Exception failure = null;
      try {
        watched.getJobExecutionResult().get();
      } catch (ExecutionException e) {
        failure = e;
      }
      synchronized (this) {
        while (replacing) {
          wait();
        }
        if (job != watched) {
          continue;
        }
        if (replaceFailure != null) {
          throw replaceFailure;
        }
      }
      if (failure != null) {
        throw failure;
      }
      return;
    }
  }

  /**
   * Starts replacing the job (stop it with {@link #stopWithSavepoint}, start its successor, then
   * {@link #replace} or {@link #failReplace}); false when the pipeline is stopped or being replaced
   * already.
   */
  synchronized boolean beginReplace() {
    if (stopped || replacing) {
      return false;
    }
    replacing = true;
    return true;
  }

  /** Ends a replacement: from now on this pipeline is {@code next}'s job, slots and directories. */
  synchronized void replace(RunningPipeline next) {
    job = next.job;
    slots = next.slots;
    run = next.run;
    createdByMzflink = next.createdByMzflink;
    checkpointDirectory = next.checkpointDirectory;
    temporaryCheckpoints = next.temporaryCheckpoints;
    local = next.local;
    stopped = false;
    replacing = false;
    notifyAll();
  }

  /** Ends a replacement that found the job still running (it was not stopped): nothing changed. */
  synchronized void keepJob() {
    stopped = false;
    replacing = false;
    notifyAll();
  }

  /**
   * Ends a replacement that stopped the job and could start none: {@link #await} throws why, and
   * {@link #stop} still drops the slots (the savepoint may be gone with a temporary directory).
   */
  synchronized void failReplace(Exception why) {
    replaceFailure = why;
    stopped = false;
    replacing = false;
    notifyAll();
  }

  /** Takes a savepoint in {@code directory} while the job goes on; returns its path. */
  public String triggerSavepoint(String directory, SavepointFormatType format) throws Exception {
    return job.triggerSavepoint(directory, format).get(300, TimeUnit.SECONDS);
  }

  /**
   * Stops the job with a savepoint in {@code directory} and returns the savepoint's path. The
   * replication slots stay: the savepoint resumes from them.
   */
  public synchronized String stopWithSavepoint(String directory) throws Exception {
    stopped = true;
    String path;
    try {
      path =
          job.stopWithSavepoint(false, directory, SavepointFormatType.CANONICAL)
              .get(120, TimeUnit.SECONDS);
    } finally {
      try {
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        LOG.info("Job {} ended after stop-with-savepoint: {}", job.getJobID(), e.getMessage());
      }
    }
    LOG.info("Job {} stopped with savepoint {}", job.getJobID(), path);
    OwnedSlots.keep(slots, resultsUrl, "savepoint " + path);
    temporaryCheckpoints.ifPresent(RunningPipeline::deleteRecursively);
    return path;
  }

  /**
   * Cancels the job, waits for it to end, drops the pipeline's replication slots and removes a
   * temporary checkpoint directory. Returns the slots dropped. Safe to call twice.
   *
   * <p>Only slots that the results database's slot registry records as this pipeline's are dropped,
   * and a walsender that still reads one after {@link #SLOT_RELEASE} is ended only when it is this
   * run's own connection: a slot another process reads is left in place (see {@link #slotsLeft()}).
   */
  public synchronized List<String> stop() {
    awaitReplaced();
    if (stopped) {
      return List.of();
    }
    stopped = true;
    try {
      JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
      if (!status.isGloballyTerminalState()) {
        job.cancel().get(60, TimeUnit.SECONDS);
      }
      job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.info("Job {} ended: {}", job.getJobID(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("Job {} could not be cancelled cleanly", job.getJobID(), e);
    }
    List<String> dropped = dropSlots();
    temporaryCheckpoints.ifPresent(RunningPipeline::deleteRecursively);
    return dropped;
  }

  /** Ends the job like {@link #stop()}, but keeps its replication slots; returns their names. */
  public synchronized List<String> stopKeepingSlots() {
    awaitReplaced();
    boolean wasStopped = stopped;
    stopped = true;
    if (!wasStopped) {
      try {
        JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
        if (!status.isGloballyTerminalState()) {
          job.cancel().get(60, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        LOG.info("Job {} ended: {}", job.getJobID(), e.getMessage());
      }
    }
    return slotNames();
  }

  /** Waits (holding this pipeline's lock, which waiting releases) for a re-plan to end. */
  private void awaitReplaced() {
    while (replacing) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private List<String> dropSlots() {
    OwnedSlots.Dropping dropping =
        OwnedSlots.drop(
            slots,
            resultsUrl,
            SLOT_RELEASE,
            reader -> OwnedSlots.readsForRun(reader, run),
            createdByMzflink);
    slotsLeft = dropping.left();
    for (String left : slotsLeft) {
      LOG.warn("Replication slot left in place: {}", left);
    }
    return dropping.dropped();
  }

  /**
   * The slots the last {@link #stop()} left in place, each with the reason (not recorded as this
   * pipeline's, or read by another process).
   */
  public synchronized List<String> slotsLeft() {
    return slotsLeft;
  }

  /**
   * Deletes a directory and everything in it (a temporary checkpoint directory). Flink may still be
   * removing files of it (a subsumed checkpoint after a stop with a savepoint): a file that
   * vanishes during the walk makes it walk again, and it never throws.
   */
  public static void deleteRecursively(Path dir) {
    for (int attempt = 1; attempt <= 3 && Files.exists(dir); attempt++) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        if (attempt == 3) {
          LOG.warn("Could not delete {}", dir, e);
        }
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
