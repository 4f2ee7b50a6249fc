package dev.mzflink.source;

import dev.mzflink.source.ReaderQueues.SnapshotBatch;
import dev.mzflink.sql.Quote;
import dev.mzflink.values.CopyTextReader;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import org.apache.flink.table.data.RowData;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a reader's snapshot ranges on a thread of its own, one after the other: each by {@code COPY
 * ... TO STDOUT} in a REPEATABLE READ transaction that imports the slot's exported snapshot,
 * decoded from COPY's text straight into {@link ChangeRecord}s. No table is locked.
 */
final class SnapshotWorker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotWorker.class);

  private final SourceLayout layout;
  private final ReaderQueues queues;
  private final BlockingQueue<SnapshotSplit> splits = new LinkedBlockingQueue<>();
  private volatile boolean running = true;
  private volatile Connection connection;

  SnapshotWorker(SourceLayout layout, ReaderQueues queues) {
    this.layout = layout;
    this.queues = queues;
  }

  void add(SnapshotSplit split) {
    splits.add(split);
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
    try {
      while (running) {
        SnapshotSplit split = splits.take();
        read(split);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      if (running) {
        queues.fail(e);
      }
    }
  }

  /**
   * The COPY that reads {@code split}'s rows, with the table's columns in the plan's order (the
   * columns the publication publishes) and the rows its row filter publishes: the table itself, not
   * tables that inherit from it (which a publication does not include either), or for a partitioned
   * table published through its root, all its partitions.
   */
  static String copySql(TableLayout table, SnapshotSplit split) {
    String columns =
        table.rowType.getFieldNames().stream()
            .map(Quote::pgIdentifier)
            .collect(Collectors.joining(", "));
    List<String> conditions = new ArrayList<>();
    if (table.rowFilter != null) {
      conditions.add("(" + table.rowFilter + ")");
    }
    if (!split.wholeTable()) {
      conditions.add("ctid >= '(" + split.fromPage() + ",0)'::tid");
      if (split.toPage() >= 0) {
        conditions.add("ctid < '(" + split.toPage() + ",0)'::tid");
      }
    }
    if (conditions.isEmpty() && !table.partitioned) {
      return "COPY " + table.qualifiedName + " (" + columns + ") TO STDOUT";
    }
    return "COPY (SELECT "
        + columns
        + " FROM "
        + (table.partitioned ? "" : "ONLY ")
        + table.qualifiedName
        + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
        + ") TO STDOUT";
  }

  private void read(SnapshotSplit split) throws Exception {
    TableLayout table = layout.table(split.table());
    long started = System.nanoTime();
    long rows = 0;
    List<ChangeRecord> batch = new ArrayList<>();
    if (split.reset()) {
      ChangeRecord reset =
          new ChangeRecord(table.index, ChangeRecord.RESET, null, split.gen(), split.gen());
      batch.add(reset);
    }
    try (Connection c = PgReplication.connect(layout, "snapshot")) {
      connection = c;
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        s.execute("SET TRANSACTION SNAPSHOT " + Quote.pgLiteral(split.snapshot()));
      }
      CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql(table, split));
      CopyTextReader reader =
          CopyTextReader.ofChunks(
              () -> {
                try {
                  return copy.readFromCopy();
                } catch (SQLException e) {
                  throw new IOException("COPY of " + table.qualifiedName + " failed", e);
                }
              });
      while (reader.next()) {
        RowData row = table.decoder().decode(reader);
        ChangeRecord change =
            new ChangeRecord(
                table.index, ChangeRecord.SNAPSHOT, table.serialize(row), split.gen(), split.gen());
        change.key = table.partitionKey(row);
        batch.add(change);
        rows++;
        if (batch.size() >= ReaderQueues.BATCH) {
          queues.put(new SnapshotBatch(batch, null, 0));
          batch = new ArrayList<>();
        }
      }
      c.commit();
    } finally {
      connection = null;
    }
    queues.put(new SnapshotBatch(batch, split.splitId(), rows));
    LOG.info(
        "Snapshot range {} of {}: {} rows in {} ms",
        split.splitId(),
        table.qualifiedName,
        rows,
        (System.nanoTime() - started) / 1_000_000);
  }
}
