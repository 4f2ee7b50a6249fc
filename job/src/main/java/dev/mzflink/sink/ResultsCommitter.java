package dev.mzflink.sink;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.sql.Quote;
import dev.mzflink.values.CopyText;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.api.connector.sink2.Committer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each {@link ResultsBatch} to its results table in one transaction together with the
 * sink's progress row, so a batch is applied exactly once even when Flink commits it again after a
 * failure.
 */
final class ResultsCommitter implements Committer<ResultsBatch> {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsCommitter.class);

  private final String url;

  /** The table's quoted name. */
  private final String table;

  private final String schema;
  private final Optional<String> definition;
  private final String typesSql;
  private final List<String> columns;
  private final int[] keyPositions;
  private Connection connection;
  private List<String> types;

  ResultsCommitter(
      String url,
      ResultsTableName name,
      Optional<String> definition,
      String typesSql,
      List<String> columns,
      int[] keyPositions) {
    this.url = url;
    this.table = name.quoted();
    this.schema = name.schema();
    this.definition = definition;
    this.typesSql = typesSql;
    this.columns = List.copyOf(columns);
    this.keyPositions = keyPositions;
  }

  @Override
  public void commit(Collection<CommitRequest<ResultsBatch>> requests) throws IOException {
    List<CommitRequest<ResultsBatch>> ordered = new ArrayList<>(requests);
    ordered.sort(
        Comparator.comparing((CommitRequest<ResultsBatch> r) -> r.getCommittable().subtask())
            .thenComparing(r -> r.getCommittable().sequence()));
    for (CommitRequest<ResultsBatch> request : ordered) {
      try {
        if (apply(request.getCommittable())) {
          request.signalAlreadyCommitted();
        }
      } catch (SQLException e) {
        closeQuietly();
        throw new IOException(
            String.format("could not write to results table %s: %s", table, e.getMessage()), e);
      }
    }
  }

  /** Applies one batch; returns true if it had been applied before. */
  private boolean apply(ResultsBatch batch) throws SQLException {
    Connection c = connection();
    try {
      List<Progress> progress = lockProgress(c);
      boolean knownLineage = progress.stream().anyMatch(p -> p.lineage().equals(batch.lineage()));
      if (!knownLineage) {
        if (batch.fresh() && batch.sequence() == 1) {
          // The first batch of a new run of the pipeline: whatever an earlier run left goes.
          try (java.sql.Statement s = c.createStatement()) {
            s.execute("TRUNCATE " + table);
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM " + ResultsTables.PROGRESS_TABLE + " WHERE sink = ?")) {
            s.setString(1, table);
            s.executeUpdate();
          }
          LOG.info(
              "Results table {}: a new run (job {}) replaces the rows of an earlier run",
              table,
              batch.lineage());
          progress = List.of();
        } else if (!progress.isEmpty()) {
          c.rollback();
          throw new IllegalStateException(
              String.format(
                  "results table %s was written by another run of this pipeline (job %s) after the state this job resumed from"
                      + " (job %s, batch %d): the job was resumed from a savepoint older than a later run. Resume from the newest"
                      + " savepoint, or start from scratch (without --from-savepoint)",
                  table, progress.get(0).lineage(), batch.lineage(), batch.sequence()));
        }
      }
      long applied =
          progress.stream()
              .filter(p -> p.subtask() == batch.subtask() && p.lineage().equals(batch.lineage()))
              .mapToLong(Progress::sequence)
              .findFirst()
              .orElse(0);
      if (batch.sequence() <= applied) {
        c.rollback();
        LOG.info(
            "Batch {} of {} (subtask {}) was committed before; skipping",
            batch.sequence(),
            table,
            batch.subtask());
        return true;
      }
      if (batch.sequence() != applied + 1) {
        c.rollback();
        throw new IllegalStateException(
            String.format(
                "results table %s: batch %d of subtask %d follows batch %d; batches were lost",
                table, batch.sequence(), batch.subtask(), applied));
      }
      if (keyPositions.length > 0) {
        applyUpserts(c, batch.upserts());
      } else {
        applyDeltas(c, batch.deltas());
      }
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO "
                  + ResultsTables.PROGRESS_TABLE
                  + " (sink, subtask, lineage, sequence) VALUES (?, ?, ?, ?) "
                  + "ON CONFLICT (sink, subtask) DO UPDATE SET lineage = EXCLUDED.lineage, sequence = EXCLUDED.sequence, updated_at = now()")) {
        s.setString(1, table);
        s.setInt(2, batch.subtask());
        s.setString(3, batch.lineage());
        s.setLong(4, batch.sequence());
        s.executeUpdate();
      }
      c.commit();
      return false;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is closed by the caller
      }
      throw e;
    }
  }

  /** A writer's committed progress: the lineage and the last batch it committed. */
  private record Progress(int subtask, String lineage, long sequence) {}

  /**
   * Locks the sink's progress for this transaction (every subtask's committer of this table, and a
   * stale one from an earlier attempt, take turns) and reads it.
   */
  private List<Progress> lockProgress(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      s.setString(1, table);
      s.execute();
    }
    List<Progress> progress = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT subtask, lineage, sequence FROM "
                + ResultsTables.PROGRESS_TABLE
                + " WHERE sink = ?")) {
      s.setString(1, table);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          progress.add(new Progress(r.getInt(1), r.getString(2), r.getLong(3)));
        }
      }
    }
    return progress;
  }

  /**
   * Keyed tables: the batch's rows and deleted keys are copied into temporary staging tables with
   * COPY, then merged with one INSERT ... ON CONFLICT and one DELETE ... USING.
   */
  private void applyUpserts(Connection c, Map<List<String>, String[]> upserts) throws SQLException {
    StringBuilder rows = new StringBuilder();
    StringBuilder keys = new StringBuilder();
    int rowCount = 0;
    int keyCount = 0;
    for (Map.Entry<List<String>, String[]> e : upserts.entrySet()) {
      if (e.getValue() == null) {
        CopyText.appendRow(keys, e.getKey());
        keyCount++;
      } else {
        CopyText.appendRow(rows, java.util.Arrays.asList(e.getValue()));
        rowCount++;
      }
    }
    try (java.sql.Statement s = c.createStatement()) {
      if (keyCount > 0) {
        s.execute(
            "CREATE TEMP TABLE IF NOT EXISTS mz_stage_keys ON COMMIT DELETE ROWS AS SELECT "
                + keyColumnList()
                + " FROM "
                + table
                + " WITH NO DATA");
        copy(c, "COPY mz_stage_keys (" + keyColumnList() + ") FROM STDIN", keys);
        s.execute("DELETE FROM " + table + " t USING mz_stage_keys d WHERE " + keyJoin("t", "d"));
        s.execute("DROP TABLE mz_stage_keys");
      }
      if (rowCount > 0) {
        s.execute(
            "CREATE TEMP TABLE IF NOT EXISTS mz_stage_rows ON COMMIT DELETE ROWS AS SELECT "
                + columnList()
                + " FROM "
                + table
                + " WITH NO DATA");
        copy(c, "COPY mz_stage_rows (" + columnList() + ") FROM STDIN", rows);
        s.execute(upsertSql());
        s.execute("DROP TABLE mz_stage_rows");
      }
    }
  }

  /**
   * Key-less tables: added copies go in with COPY; removed copies are deleted one distinct row at a
   * time by {@code ctid}, checking that the table held them.
   */
  private void applyDeltas(Connection c, Map<List<String>, Integer> deltas) throws SQLException {
    StringBuilder inserts = new StringBuilder();
    int insertCount = 0;
    try (PreparedStatement delete = c.prepareStatement(deleteCopiesSql())) {
      for (Map.Entry<List<String>, Integer> e : deltas.entrySet()) {
        List<String> row = e.getKey();
        int delta = e.getValue();
        if (delta < 0) {
          for (int i = 0; i < row.size(); i++) {
            delete.setString(i + 1, row.get(i));
          }
          delete.setInt(row.size() + 1, -delta);
          int deleted = delete.executeUpdate();
          if (deleted != -delta) {
            throw new IllegalStateException(
                String.format(
                    "results table %s held %d copies of a row that lost %d; the table was changed by someone else",
                    table, deleted, -delta));
          }
        } else {
          for (int copy = 0; copy < delta; copy++) {
            CopyText.appendRow(inserts, row);
            insertCount++;
          }
        }
      }
    }
    if (insertCount > 0) {
      copy(c, "COPY " + table + " (" + columnList() + ") FROM STDIN", inserts);
    }
  }

  private static void copy(Connection c, String sql, StringBuilder data) throws SQLException {
    try {
      c.unwrap(org.postgresql.PGConnection.class)
          .getCopyAPI()
          .copyIn(
              sql,
              new java.io.ByteArrayInputStream(
                  data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.io.IOException e) {
      throw new SQLException("COPY into " + sql + " failed", e);
    }
  }

  private String keyColumnList() {
    return java.util.Arrays.stream(keyPositions)
        .mapToObj(k -> Quote.pgIdentifier(columns.get(k)))
        .collect(Collectors.joining(", "));
  }

  private String keyJoin(String left, String right) {
    return java.util.Arrays.stream(keyPositions)
        .mapToObj(
            k ->
                left
                    + "."
                    + Quote.pgIdentifier(columns.get(k))
                    + " = "
                    + right
                    + "."
                    + Quote.pgIdentifier(columns.get(k)))
        .collect(Collectors.joining(" AND "));
  }

  private String columnList() {
    return columns.stream().map(Quote::pgIdentifier).collect(Collectors.joining(", "));
  }

  private String upsertSql() {
    List<String> updates = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      final int position = i;
      if (java.util.Arrays.stream(keyPositions).noneMatch(k -> k == position)) {
        String column = Quote.pgIdentifier(columns.get(i));
        updates.add(column + " = EXCLUDED." + column);
      }
    }
    return "INSERT INTO "
        + table
        + " ("
        + columnList()
        + ") SELECT "
        + columnList()
        + " FROM mz_stage_rows ON CONFLICT ("
        + keyColumnList()
        + ") DO "
        + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }

  private String deleteCopiesSql() {
    List<String> conditions = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      String column = Quote.pgIdentifier(columns.get(i));
      String type = types.get(i);
      conditions.add(
          hasEquality(type)
              ? column + " IS NOT DISTINCT FROM CAST(? AS " + type + ")"
              : column + "::text IS NOT DISTINCT FROM CAST(? AS " + type + ")::text");
    }
    return "DELETE FROM "
        + table
        + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM "
        + table
        + " WHERE "
        + String.join(" AND ", conditions)
        + " LIMIT ?))";
  }

  private static boolean hasEquality(String type) {
    return !(type.equals("json")
        || type.equals("xml")
        || type.startsWith("json[]")
        || type.equals("point"));
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      Connection c = PgConnections.connect(url, new java.util.Properties());
      ResultsTables.createProgressTable(c);
      c.setAutoCommit(false);
      Map<String, String> actual = ResultsTables.columnTypes(c, table);
      if (actual.isEmpty() && definition.isPresent()) {
        ResultsTables.createIfMissing(c, table, schema, typesSql, definition.get());
        actual = ResultsTables.columnTypes(c, table);
      }
      if (actual.isEmpty()) {
        c.close();
        throw new SQLException(
            String.format(
                "results table %s does not exist; mzflink run creates it before the job starts",
                table));
      }
      List<String> found = new ArrayList<>();
      for (String column : columns) {
        String type = actual.get(column);
        if (type == null) {
          c.close();
          throw new SQLException(
              String.format(
                  "results table %s has no column %s", table, Quote.pgIdentifier(column)));
        }
        found.add(type);
      }
      types = found;
      connection = c;
    }
    return connection;
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing after a failure
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
