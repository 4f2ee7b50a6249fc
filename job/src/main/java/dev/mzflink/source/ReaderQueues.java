package dev.mzflink.source;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a reader's worker threads hand to the task thread: batches of records from the stream and
 * from snapshots, in two bounded queues (a full queue holds a worker back: backpressure), the first
 * failure of a worker, and a future that tells the task thread when there is something.
 */
final class ReaderQueues {
  /** Records per batch. */
  static final int BATCH = 1024;

  /** Batches per queue: bounds what a reader holds in memory. */
  static final int CAPACITY = 32;

  /**
   * Records of the stream. A transaction's records may span several batches; only the batch that
   * ends it has {@code endOfTransaction}, and {@code endLsn} where the stream resumes after it. A
   * batch without records that ends a transaction only moves the position (a keepalive).
   */
  record StreamBatch(List<ChangeRecord> records, boolean endOfTransaction, long endLsn) {}

  /**
   * Rows of a snapshot range; the last batch of the range names it in {@code finishedSplit}, with
   * the number of rows the range had.
   */
  record SnapshotBatch(List<ChangeRecord> records, String finishedSplit, long rows) {}

  final BlockingQueue<StreamBatch> stream = new ArrayBlockingQueue<>(CAPACITY);
  final BlockingQueue<SnapshotBatch> snapshot = new ArrayBlockingQueue<>(CAPACITY);
  private volatile Throwable failure;
  private CompletableFuture<Void> available = new CompletableFuture<>();

  /** Puts {@code batch}, waiting at most {@code millis}; false when the queue stayed full. */
  boolean offer(StreamBatch batch, long millis) throws InterruptedException {
    boolean put = stream.offer(batch, millis, TimeUnit.MILLISECONDS);
    if (put) {
      signal();
    }
    return put;
  }

  /** Puts {@code batch}, waiting as long as the queue is full. */
  void put(SnapshotBatch batch) throws InterruptedException {
    snapshot.put(batch);
    signal();
  }

  /** A worker failed: the task thread throws {@code error} at its next poll. */
  void fail(Throwable error) {
    if (failure == null) {
      failure = error;
    }
    signal();
  }

  /** Throws a worker's failure, if any. */
  void rethrow() throws Exception {
    Throwable f = failure;
    if (f instanceof Exception e) {
      throw e;
    }
    if (f instanceof Error e) {
      throw e;
    }
  }

  boolean failed() {
    return failure != null;
  }

  private synchronized void signal() {
    available.complete(null);
  }

  /** A future done when a batch or a failure is there. */
  synchronized CompletableFuture<Void> available() {
    if (!stream.isEmpty() || !snapshot.isEmpty() || failure != null) {
      return CompletableFuture.completedFuture(null);
    }
    if (available.isDone()) {
      available = new CompletableFuture<>();
    }
    return available;
  }
}
