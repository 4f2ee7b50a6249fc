package dev.mzflink.testing;

import dev.mzflink.runtime.RunningPipeline;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobStatus;

/**
 * Samples a job's state every 100 ms (a restart stays RESTARTING for 2 s) and keeps every state
 * other than RUNNING it saw: a job that never restarted leaves the list empty.
 */
public final class JobStatusWatch implements AutoCloseable {
  private final List<JobStatus> notRunning = new CopyOnWriteArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;

  private JobStatusWatch(RunningPipeline pipeline) {
    thread =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  JobStatus status = pipeline.status();
                  if (status != JobStatus.RUNNING && status != JobStatus.CREATED) {
                    notRunning.add(status);
                  }
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                } catch (Exception e) {
                  notRunning.add(JobStatus.FAILED);
                }
              }
            },
            "job-status-watch");
    thread.setDaemon(true);
  }

  /** Starts watching {@code pipeline}. */
  public static JobStatusWatch start(RunningPipeline pipeline) {
    JobStatusWatch watch = new JobStatusWatch(pipeline);
    watch.thread.start();
    return watch;
  }

  /** The states other than RUNNING (and CREATED) seen so far. */
  public List<JobStatus> notRunning() {
    return List.copyOf(notRunning);
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(5000);
  }
}
