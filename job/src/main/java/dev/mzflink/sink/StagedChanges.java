package dev.mzflink.sink;

import dev.mzflink.sql.Quote;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Applies a table's staged changes to it, in the committer's transaction: for each writer subtask
 * the batches after the last one applied, up to the one the checkpoint holds; then removes them
 * from the staging table. A keyed table takes each key's last change (MERGE where the server has
 * it, from PostgreSQL 15; a DELETE and an INSERT ... ON CONFLICT before; a plain INSERT of the keys
 * whose last change is an upsert into a table emptied in the same transaction, a run's first
 * commit, which holds its whole snapshot), a key-less table the net number of copies added or
 * removed per distinct row, in one pass over the table. After a run's first commit the staging
 * table is truncated (its later rows kept) instead of having each applied row deleted.
 */
final class StagedChanges {
  private StagedChanges() {}

  /** A writer's batches to apply: after {@code from}, up to and with {@code to}. */
  record Range(int subtask, long from, long to) {}

  /** How a keyed table's last changes are written into it. */
  enum Upsert {
    /** MERGE (PostgreSQL 15 and later). */
    MERGE,
    /** A DELETE of the deleted keys, then an INSERT ... ON CONFLICT of the others. */
    DELETE_INSERT,
    /**
     * A plain INSERT of the keys whose last change is an upsert: only for a table emptied in the
     * same transaction, which holds no key to update or delete.
     */
    INTO_EMPTY
  }

  /** Applies {@code ranges} of {@code table}'s staged changes; returns the changes applied. */
  static long apply(Connection c, ResultsTableSpec table, List<Range> ranges, Upsert how)
      throws SQLException {
    if (ranges.isEmpty()) {
      return 0;
    }
    String staged = staged(table, ranges);
    long applied;
    try (Statement s = c.createStatement()) {
      applied = table.keyed() ? upsert(s, table, staged, how) : copies(s, table, staged);
      if (how == Upsert.INTO_EMPTY) {
        truncateApplied(s, table, ranges);
      } else {
        s.execute(
            "DELETE FROM "
                + table.stagingTable()
                + " s USING "
                + values(ranges)
                + " WHERE s.mz_subtask = r.sub AND s.mz_batch <= r.hi");
      }
    }
    return applied;
  }

  /**
   * Deletes the rows of {@code table} that no staged change of {@code ranges} is about (by key; a
   * key-less table's rows by their text): the commit that applies a table's re-read holds a change
   * of every row the table should have, so the others are not upstream's. Returns the rows deleted.
   * Runs before {@link #apply}, in the same transaction.
   */
  static long deleteUnstaged(Connection c, ResultsTableSpec table, List<Range> ranges)
      throws SQLException {
    String sql;
    if (ranges.isEmpty()) {
      sql = "DELETE FROM " + table.quoted();
    } else {
      List<String> same = new ArrayList<>();
      if (table.keyed()) {
        for (int k : table.key) {
          String column = Quote.pgIdentifier(table.columns.get(k));
          same.add("s." + column + " = t." + column);
        }
      } else {
        same.add(
            "ROW(" + table.columnList("s") + ")::text = ROW(" + table.columnList("t") + ")::text");
      }
      sql =
          "DELETE FROM "
              + table.quoted()
              + " t WHERE NOT EXISTS (SELECT 1 FROM "
              + staged(table, ranges)
              + " WHERE "
              + String.join(" AND ", same)
              + ")";
    }
    try (Statement s = c.createStatement()) {
      return s.executeUpdate(sql);
    }
  }

  /**
   * Removes the applied rows of a whole snapshot from the staging table without a DELETE of each
   * (and the dead rows a vacuum would then go through): the rows of later batches are set aside,
   * the table truncated and they are put back, under a lock that holds the writers' next stages
   * until the commit. All in the commit's transaction, so a commit that fails leaves the staging
   * table as it was.
   */
  private static void truncateApplied(Statement s, ResultsTableSpec table, List<Range> ranges)
      throws SQLException {
    String staging = table.stagingTable();
    s.execute("LOCK TABLE " + staging + " IN ACCESS EXCLUSIVE MODE");
    s.execute(
        "CREATE TEMP TABLE mz_kept ON COMMIT DROP AS SELECT * FROM "
            + staging
            + " s WHERE NOT EXISTS (SELECT 1 FROM "
            + values(ranges)
            + " WHERE s.mz_subtask = r.sub AND s.mz_batch <= r.hi)");
    s.execute("TRUNCATE " + staging);
    s.execute("INSERT INTO " + staging + " SELECT * FROM mz_kept");
    s.execute("DROP TABLE mz_kept");
  }

  /** The staged changes of {@code ranges}, as a FROM item {@code s}. */
  private static String staged(ResultsTableSpec table, List<Range> ranges) {
    return table.stagingTable()
        + " s JOIN "
        + values(ranges)
        + " ON s.mz_subtask = r.sub AND s.mz_batch > r.lo AND s.mz_batch <= r.hi";
  }

  private static String values(List<Range> ranges) {
    List<String> rows = new ArrayList<>();
    for (Range r : ranges) {
      rows.add("(" + r.subtask() + ", " + r.from() + "::bigint, " + r.to() + "::bigint)");
    }
    return "(VALUES " + String.join(", ", rows) + ") r(sub, lo, hi)";
  }

  private static long upsert(Statement s, ResultsTableSpec table, String staged, Upsert how)
      throws SQLException {
    String last =
        "SELECT DISTINCT ON ("
            + table.keyList("s")
            + ") "
            + table.columnList("s")
            + ", s.mz_op FROM "
            + staged
            + " ORDER BY "
            + table.keyList("s")
            + ", s.mz_batch DESC, s.mz_seq DESC";
    if (how == Upsert.INTO_EMPTY) {
      return s.executeUpdate(insertUpserts(table, "(" + last + ")"));
    }
    List<String> join = new ArrayList<>();
    List<String> updates = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (int i = 0; i < table.columns.size(); i++) {
      String column = Quote.pgIdentifier(table.columns.get(i));
      if (isKey(table, i)) {
        join.add("t." + column + " = c." + column);
      } else {
        updates.add(column + " = c." + column);
        values.add(column);
      }
    }
    // A row already as it should be is not written again (compared as text, which every type
    // has, json included).
    String differs = differs(values, "c");
    if (how == Upsert.MERGE) {
      return s.executeUpdate(
          "MERGE INTO "
              + table.quoted()
              + " t USING ("
              + last
              + ") c ON "
              + String.join(" AND ", join)
              + " WHEN MATCHED AND c.mz_op < 0 THEN DELETE WHEN MATCHED "
              + (updates.isEmpty()
                  ? "THEN DO NOTHING"
                  : "AND " + differs + " THEN UPDATE SET " + String.join(", ", updates))
              + " WHEN NOT MATCHED AND c.mz_op > 0 THEN INSERT ("
              + table.columnList("")
              + ") VALUES ("
              + table.columnList("c")
              + ")");
    }
    s.execute("CREATE TEMP TABLE mz_changes ON COMMIT DROP AS " + last);
    long deleted =
        s.executeUpdate(
            "DELETE FROM "
                + table.quoted()
                + " t USING mz_changes c WHERE c.mz_op < 0 AND "
                + String.join(" AND ", join));
    long upserted =
        s.executeUpdate(
            insertUpserts(table, "mz_changes")
                + " ON CONFLICT ("
                + table.keyList("")
                + ") DO "
                + (updates.isEmpty()
                    ? "NOTHING"
                    : "UPDATE SET "
                        + String.join(", ", updates).replace("= c.", "= EXCLUDED.")
                        + " WHERE "
                        + differs(values, "EXCLUDED")));
    s.execute("DROP TABLE mz_changes");
    return deleted + upserted;
  }

  /** Whether row {@code t} differs from row {@code other} in {@code columns} (quoted names). */
  private static String differs(List<String> columns, String other) {
    return "ROW(t."
        + String.join(", t.", columns)
        + ")::text IS DISTINCT FROM ROW("
        + other
        + "."
        + String.join(", " + other + ".", columns)
        + ")::text";
  }

  /** An INSERT into {@code table} of the upserts (not the deletes) among each key's last change. */
  private static String insertUpserts(ResultsTableSpec table, String lastChanges) {
    return "INSERT INTO "
        + table.quoted()
        + " AS t ("
        + table.columnList("")
        + ") SELECT "
        + table.columnList("c")
        + " FROM "
        + lastChanges
        + " c WHERE c.mz_op > 0";
  }

  private static boolean isKey(ResultsTableSpec table, int column) {
    for (int k : table.key) {
      if (k == column) {
        return true;
      }
    }
    return false;
  }

  /**
   * A key-less table: the net copies per distinct row (rows compared by their text, which is
   * defined for every type, json included), the removed copies deleted in one pass over the table,
   * the added ones inserted. A row that lost more copies than the table holds means the table was
   * changed by someone else: no retry can fix that.
   */
  private static long copies(Statement s, ResultsTableSpec table, String staged)
      throws SQLException {
    String rowText = "ROW(" + table.columnList("s") + ")::text";
    s.execute(
        "CREATE TEMP TABLE mz_delta ON COMMIT DROP AS SELECT "
            + table.columnList("")
            + ", mz_row, mz_n FROM (SELECT "
            + table.columnList("s")
            + ", "
            + rowText
            + " AS mz_row, sum(s.mz_op) OVER (PARTITION BY "
            + rowText
            + ") AS mz_n, row_number() OVER (PARTITION BY "
            + rowText
            + ") AS mz_k FROM "
            + staged
            + ") x WHERE mz_k = 1 AND mz_n <> 0");
    long removed;
    try (var r = s.executeQuery("SELECT coalesce(sum(-mz_n), 0) FROM mz_delta WHERE mz_n < 0")) {
      r.next();
      removed = r.getLong(1);
    }
    long deleted = 0;
    if (removed > 0) {
      deleted =
          s.executeUpdate(
              "DELETE FROM "
                  + table.quoted()
                  + " WHERE ctid IN (SELECT id FROM (SELECT t.ctid AS id, d.mz_n, row_number() OVER"
                  + " (PARTITION BY d.mz_row) AS k FROM "
                  + table.quoted()
                  + " t JOIN mz_delta d ON ROW("
                  + table.columnList("t")
                  + ")::text = d.mz_row WHERE d.mz_n < 0) v WHERE k <= -mz_n)");
      if (deleted != removed) {
        throw new SuppressRestartsException(
            new IllegalStateException(
                String.format(
                    "results table %s held %d of the %d row copies its source deleted: the table"
                        + " was changed by someone else. Start the pipeline from scratch (without"
                        + " --from-savepoint) to write it again",
                    table.quoted(), deleted, removed)));
      }
    }
    long inserted =
        s.executeUpdate(
            "INSERT INTO "
                + table.quoted()
                + " ("
                + table.columnList("")
                + ") SELECT "
                + table.columnList("d")
                + " FROM mz_delta d, generate_series(1, d.mz_n) WHERE d.mz_n > 0");
    s.execute("DROP TABLE mz_delta");
    return deleted + inserted;
  }
}
