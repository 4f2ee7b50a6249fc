package dev.mzflink.source;

import dev.mzflink.source.ReaderQueues.StreamBatch;
import dev.mzflink.source.pgoutput.PgOutputDecoder;
import dev.mzflink.source.pgoutput.PgOutputMessage;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.SourceStatuses;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a source's replication slot on a thread of its own: one replication connection, pgoutput
 * decoded straight into {@link ChangeRecord}s, handed to the task thread in batches that keep each
 * transaction's end marked, so that no checkpoint falls inside a transaction. When the job cannot
 * keep up the queue fills and the worker waits, sending the server status updates all the while, so
 * {@code wal_sender_timeout} never ends the connection because Flink is slow. The slot's confirmed
 * position moves only when a checkpoint that holds it completes ({@link #confirm}).
 */
final class StreamWorker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamWorker.class);

  /** How often the server hears from the worker while it waits for a full queue, in ms. */
  static final long WAIT_MILLIS = 1000;

  /** How often an idle stream reports the position keepalives moved it to, in ms. */
  static final long POSITION_MILLIS = 1000;

  /**
   * How long the slot's confirmed position may lag what the server sent before the worker asks
   * whether the server is shutting down, in ms.
   */
  static final long STOPPING_PROBE_MILLIS = 10_000;

  private long confirmedAt = System.nanoTime();

  /** The position reported to the server as flushed: the newest a completed checkpoint holds. */
  private long reported;

  private long probedAt;

  private final SourceLayout layout;
  private final ReaderQueues queues;
  private final long startLsn;
  private final ChangeDecoder decoder;
  private volatile long confirm;
  private volatile boolean running = true;
  private volatile Connection connection;

  StreamWorker(
      SourceLayout layout, ReaderQueues queues, long startLsn, Map<String, Long> handOver) {
    this.layout = layout;
    this.queues = queues;
    this.startLsn = startLsn;
    this.decoder = new ChangeDecoder(layout, handOver);
    this.confirm = startLsn;
  }

  /** Lets the slot release the WAL before {@code lsn} (a checkpoint holding it completed). */
  /** Stops replicating table {@code index} (removed from the publication). */
  void stopTable(int index) {
    decoder.stop(index);
  }

  void confirm(long lsn) {
    if (lsn > confirm) {
      confirm = lsn;
    }
  }

  void stop() {
    running = false;
    Connection c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing on the way out
      }
    }
  }

  @Override
  public void run() {
    try (Connection c = PgReplication.replicationConnection(layout, "stream")) {
      connection = c;
      checkSlot(c);
      PGReplicationStream stream =
          c.unwrap(PGConnection.class)
              .getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName(layout.slot)
              .withStartPosition(LogSequenceNumber.valueOf(startLsn))
              .withSlotOption("proto_version", "1")
              .withSlotOption("publication_names", Quote.pgIdentifier(layout.publication))
              .withStatusInterval(1, TimeUnit.SECONDS)
              .start();
      LOG.info("Streaming {} from {}", layout.slot, PgReplication.lsn(startLsn));
      stream(stream);
    } catch (Throwable e) {
      if (running) {
        queues.fail(e);
      }
    } finally {
      connection = null;
    }
  }

  /**
   * Refuses to stream from a slot that is gone or that confirmed WAL past where this job resumes:
   * PostgreSQL would silently stream from its own position, and the changes in between would be
   * lost without a word.
   */
  private void checkSlot(Connection c) throws SQLException {
    Optional<PgReplication.Slot> slot = PgReplication.slot(c, layout.slot);
    String error;
    if (slot.isEmpty()) {
      error =
          String.format(
              "replication slot %s of source %s does not exist upstream: it was dropped while the"
                  + " pipeline ran, and the changes since are gone. Start the pipeline from scratch"
                  + " (without --from-savepoint) to snapshot the tables again",
              layout.slot, layout.source);
    } else if (slot.get().confirmedFlushLsn() > startLsn) {
      error =
          String.format(
              "replication slot %s of source %s has confirmed WAL up to %s, past %s where the job"
                  + " resumes reading: another run of the pipeline read from the slot after the"
                  + " state this job resumes from was saved, and the changes in between are gone."
                  + " Resume from the newest savepoint or checkpoint, or start the pipeline from"
                  + " scratch",
              layout.slot,
              layout.source,
              PgReplication.lsn(slot.get().confirmedFlushLsn()),
              PgReplication.lsn(startLsn));
    } else {
      return;
    }
    SourceStatuses.mark(
        layout.resultsUrl, layout.source, List.of(), SourceStatuses.Status.ERRORED, error);
    throw new SuppressRestartsException(new IllegalStateException(error));
  }

  private void stream(PGReplicationStream stream) throws Exception {
    boolean inTransaction = false;
    long position = startLsn;
    long positionReported = System.nanoTime();
    long confirmed = startLsn;
    reported = startLsn;
    List<ChangeRecord> batch = new ArrayList<>();
    while (running) {
      if (confirm > confirmed) {
        confirmedAt = System.nanoTime();
        confirmed = confirm;
        reported = confirmed;
        report(stream, confirmed);
        stream.forceUpdateStatus();
      } else {
        report(stream, confirmed);
      }
      ByteBuffer buffer = stream.readPending();
      if (buffer == null) {
        long received = stream.getLastReceiveLSN().asLong();
        checkServerStopping(received, confirmed);
        if (!inTransaction
            && received > position
            && System.nanoTime() - positionReported > POSITION_MILLIS * 1_000_000) {
          // A keepalive: the server sent everything before this position (nothing for us).
          position = received;
          positionReported = System.nanoTime();
          hand(stream, new StreamBatch(List.of(), true, position));
        }
        Thread.sleep(5);
        continue;
      }
      PgOutputMessage message = PgOutputDecoder.decode(buffer);
      if (message instanceof PgOutputMessage.Begin begin) {
        inTransaction = true;
        decoder.begin(begin);
      } else if (message instanceof PgOutputMessage.Commit commit) {
        inTransaction = false;
        position = Math.max(position, commit.endLsn());
        hand(stream, new StreamBatch(batch, true, commit.endLsn()));
        batch = new ArrayList<>();
      } else {
        decoder.decode(message, batch::add);
        if (batch.size() >= ReaderQueues.BATCH) {
          hand(stream, new StreamBatch(batch, false, 0));
          batch = new ArrayList<>();
        }
      }
    }
  }

  /**
   * Reports {@code confirmed} as the flushed and applied position, and nothing beyond it. pgjdbc
   * advances the flushed position by itself to a keepalive's WAL position once everything it
   * received was reported flushed, and sends it with its next status update: the slot then moved
   * past the position of the newest checkpoint or savepoint, and a resume from it was refused (seen
   * after stop-with-savepoint). Set again before every read, the position pgjdbc reports is the one
   * a completed checkpoint holds.
   */
  private static void report(PGReplicationStream stream, long confirmed) {
    if (stream.getLastFlushedLSN().asLong() != confirmed
        || stream.getLastAppliedLSN().asLong() != confirmed) {
      stream.setFlushedLSN(LogSequenceNumber.valueOf(confirmed));
      stream.setAppliedLSN(LogSequenceNumber.valueOf(confirmed));
    }
  }

  /** Hands a batch to the task thread, keeping the server informed while the queue is full. */
  private void hand(PGReplicationStream stream, StreamBatch batch) throws Exception {
    while (!queues.offer(batch, WAIT_MILLIS)) {
      if (!running) {
        return;
      }
      report(stream, reported);
      stream.forceUpdateStatus();
      checkServerStopping(stream.getLastReceiveLSN().asLong(), confirm);
    }
  }

  /**
   * Lets go of a server that is shutting down. A fast shutdown waits until every walsender's client
   * confirms all the WAL it was sent, and this worker confirms only what a completed checkpoint
   * holds: when the checkpoint cannot complete (the results database on the same server is shutting
   * down too, or the job is held back), the server would wait for ever. So when the confirmed
   * position has lagged for {@link #STOPPING_PROBE_MILLIS}, the worker tries an ordinary
   * connection; refused with "the database system is shutting down" (57P03), it fails the stream:
   * the connection closes, the server stops, and the job restarts from its last checkpoint, reading
   * again from the slot's confirmed position when the server is back.
   */
  private void checkServerStopping(long received, long confirmed) throws SQLException {
    long now = System.nanoTime();
    if (received <= confirmed) {
      confirmedAt = now;
      return;
    }
    if (now - confirmedAt < STOPPING_PROBE_MILLIS * 1_000_000
        || now - probedAt < STOPPING_PROBE_MILLIS * 1_000_000) {
      return;
    }
    probedAt = now;
    try (Connection probe = PgReplication.connect(layout, "probe")) {
      // The server accepts connections: not shutting down.
    } catch (SQLException e) {
      if ("57P03".equals(e.getSQLState())) {
        throw new SQLException(
            String.format(
                "the upstream server of source %s is shutting down: the stream lets go of it so"
                    + " that it can stop, and resumes from the slot's confirmed position %s",
                layout.source, PgReplication.lsn(confirmed)),
            e.getSQLState(),
            e);
      }
      LOG.debug("Probing the upstream server of {}: {}", layout.source, e.getMessage());
    }
  }
}
