package dev.mzflink.status;

import dev.mzflink.Redaction;
import dev.mzflink.pg.PgConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mzflink.mz_source_statuses} in the results database: one row per table of each source (and
 * one per source, table {@code ''}), kept current by the running job.
 */
public final class SourceStatuses {
  private static final Logger LOG = LoggerFactory.getLogger(SourceStatuses.class);

  /** The status table. */
  public static final String TABLE = ResultsSchema.table("mz_source_statuses");

  /** The statuses, in the order of a source's life. */
  public enum Status {
    STARTING,
    SNAPSHOTTING,
    RUNNING,
    STALLED,
    ERRORED,
    DROPPED;

    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One row of the table.
   *
   * @param source the source, quoted ({@code "public"."src"})
   * @param table the upstream table, quoted, or empty for the source itself
   * @param status its status
   * @param error why it is errored or stalled, empty otherwise
   * @param lastChangeMillis when its last change arrived (epoch ms), 0 if none yet
   * @param snapshotRows rows snapshotted so far
   * @param snapshotRowsEstimated PostgreSQL's estimate of the table's rows, -1 if unknown
   * @param retainedWalBytes WAL the source's replication slot retains, -1 if unknown
   * @param slot the source's replication slot
   */
  public record Row(
      String source,
      String table,
      Status status,
      String error,
      long lastChangeMillis,
      long snapshotRows,
      long snapshotRowsEstimated,
      long retainedWalBytes,
      String slot) {}

  private SourceStatuses() {}

  static final String DDL =
      "CREATE TABLE IF NOT EXISTS "
          + TABLE
          + " (source text NOT NULL, \"table\" text NOT NULL, status text NOT NULL, error text,"
          + " last_change_at timestamptz, snapshot_rows bigint NOT NULL DEFAULT 0, snapshot_rows_estimated bigint,"
          + " retained_wal_bytes bigint, slot text, updated_at timestamptz NOT NULL DEFAULT now(),"
          + " applied_lsn pg_lsn, applied_at timestamptz, PRIMARY KEY (source, \"table\"))";

  /** Adds the applied position to a status table of an earlier mzflink. */
  static final String ADD_APPLIED =
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '"
          + TABLE.replace("'", "''")
          + "'::regclass AND attname = 'applied_lsn' AND NOT attisdropped) THEN ALTER TABLE "
          + TABLE
          + " ADD COLUMN applied_lsn pg_lsn, ADD COLUMN applied_at timestamptz; END IF; END $$";

  /** Creates the status table (or adds what an earlier mzflink's lacks). Commits. */
  public static void create(Connection c) throws SQLException {
    ResultsSchema.create(c, DDL, ADD_APPLIED);
  }

  /**
   * Records, in the caller's transaction, that the results reflect every upstream transaction of
   * {@code source} that committed before WAL position {@code lsn} (-1: not known, the source is
   * reading a snapshot). The sink's committer calls it in the transaction that commits the results.
   */
  public static void applied(Connection c, String source, long lsn) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (source, \"table\", status, applied_lsn, applied_at) VALUES (?, '', ?, ?::pg_lsn, now())"
                + " ON CONFLICT (source, \"table\") DO UPDATE SET applied_lsn = EXCLUDED.applied_lsn,"
                + " applied_at = EXCLUDED.applied_at")) {
      p.setString(1, source);
      p.setString(2, Status.RUNNING.text());
      p.setString(3, lsn < 0 ? null : LogSequenceNumber.valueOf(lsn).asString());
      p.executeUpdate();
    }
  }

  /**
   * In the caller's transaction: the position the results of {@code source} reflect as the last
   * commit recorded it; -1 when none is recorded.
   */
  public static long appliedLsn(Connection c, String source) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT applied_lsn::text FROM " + TABLE + " WHERE source = ? AND \"table\" = ''")) {
      p.setString(1, source);
      try (ResultSet r = p.executeQuery()) {
        String lsn = r.next() ? r.getString(1) : null;
        return lsn == null ? -1 : LogSequenceNumber.valueOf(lsn).asLong();
      }
    }
  }

  /** Writes {@code rows} (insert or update), creating the table if needed. */
  public static void write(Connection c, List<Row> rows) throws SQLException {
    create(c);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO "
                  + TABLE
                  + " (source, \"table\", status, error, last_change_at, snapshot_rows, snapshot_rows_estimated,"
                  + " retained_wal_bytes, slot, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                  + " ON CONFLICT (source, \"table\") DO UPDATE SET status = EXCLUDED.status, error = EXCLUDED.error,"
                  + " last_change_at = coalesce(EXCLUDED.last_change_at, "
                  + TABLE
                  + ".last_change_at),"
                  + " snapshot_rows = EXCLUDED.snapshot_rows, snapshot_rows_estimated = EXCLUDED.snapshot_rows_estimated,"
                  + " retained_wal_bytes = EXCLUDED.retained_wal_bytes, slot = EXCLUDED.slot, updated_at = now()")) {
        for (Row row : rows) {
          p.setString(1, row.source());
          p.setString(2, row.table());
          p.setString(3, row.status().text());
          p.setString(4, row.error().isEmpty() ? null : Redaction.text(row.error()));
          p.setTimestamp(
              5, row.lastChangeMillis() > 0 ? new Timestamp(row.lastChangeMillis()) : null);
          p.setLong(6, row.snapshotRows());
          if (row.snapshotRowsEstimated() >= 0) {
            p.setLong(7, row.snapshotRowsEstimated());
          } else {
            p.setNull(7, java.sql.Types.BIGINT);
          }
          if (row.retainedWalBytes() >= 0) {
            p.setLong(8, row.retainedWalBytes());
          } else {
            p.setNull(8, java.sql.Types.BIGINT);
          }
          p.setString(9, row.slot());
          p.addBatch();
        }
        p.executeBatch();
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * Marks {@code tables} of {@code source} (all its rows when empty) with {@code status} and {@code
   * error}, keeping their counters. Best effort: a status that cannot be written is logged, never
   * allowed to hide the error being reported.
   */
  public static void mark(
      String resultsUrl, String source, List<String> tables, Status status, String error) {
    try (Connection c = PgConnections.connect(resultsUrl, new Properties())) {
      create(c);
      List<String> targets = new ArrayList<>(tables);
      if (targets.isEmpty()) {
        try (PreparedStatement p =
            c.prepareStatement("SELECT \"table\" FROM " + TABLE + " WHERE source = ?")) {
          p.setString(1, source);
          try (ResultSet r = p.executeQuery()) {
            while (r.next()) {
              targets.add(r.getString(1));
            }
          }
        }
        if (targets.isEmpty()) {
          targets.add("");
        }
      }
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO "
                  + TABLE
                  + " (source, \"table\", status, error) VALUES (?, ?, ?, ?)"
                  + " ON CONFLICT (source, \"table\") DO UPDATE SET status = EXCLUDED.status, error = EXCLUDED.error, updated_at = now()")) {
        for (String table : targets) {
          p.setString(1, source);
          p.setString(2, table);
          p.setString(3, status.text());
          p.setString(4, error.isEmpty() ? null : Redaction.text(error));
          p.addBatch();
        }
        p.executeBatch();
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "Could not write status {} of {} into the results database", status.text(), source, e);
    }
  }

  /**
   * A source's row, for {@code mzflink wait}.
   *
   * @param status its status
   * @param error why it is errored or stalled, empty otherwise
   * @param appliedLsn the position the results reflect, empty when not known
   * @param reached whether that position is at or past the one asked about
   */
  public record Applied(String status, String error, String appliedLsn, boolean reached) {}

  /**
   * The row of {@code source} (quoted), and whether its results reflect upstream up to {@code lsn}
   * ({@code X/Y}); empty when the results database has no status of it.
   */
  public static Optional<Applied> applied(Connection c, String source, String lsn)
      throws SQLException {
    if (!exists(c)) {
      return Optional.empty();
    }
    // to_jsonb: a status table of an earlier mzflink has no applied_lsn yet.
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT status, coalesce(error, ''), coalesce(to_jsonb(s) ->> 'applied_lsn', ''),"
                + " coalesce((to_jsonb(s) ->> 'applied_lsn')::pg_lsn >= ?::pg_lsn, false) FROM "
                + TABLE
                + " s WHERE source = ? AND \"table\" = ''")) {
      p.setString(1, lsn);
      p.setString(2, source);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Applied(r.getString(1), r.getString(2), r.getString(3), r.getBoolean(4)));
      }
    }
  }

  /** Whether the results database has the status table (a pipeline ran against it). */
  private static boolean exists(Connection c) throws SQLException {
    return ResultsSchema.exists(c, TABLE);
  }

  /** The status table's rows, ordered by source and table, for {@code mzflink status}. */
  public static List<List<String>> read(Connection c) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    if (!exists(c)) {
      return rows;
    }
    try (Statement s = c.createStatement()) {
      try (ResultSet r =
          s.executeQuery(
              "SELECT source, \"table\", status, coalesce(error, ''), coalesce(to_char(last_change_at, 'YYYY-MM-DD HH24:MI:SS'), ''),"
                  + " snapshot_rows::text || coalesce('/' || snapshot_rows_estimated::text, ''),"
                  + " coalesce(pg_size_pretty(retained_wal_bytes), ''), coalesce(slot, ''),"
                  + " coalesce(to_jsonb(s) ->> 'applied_lsn', ''), to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS')"
                  + " FROM "
                  + TABLE
                  + " s ORDER BY source, \"table\"")) {
        while (r.next()) {
          List<String> row = new ArrayList<>();
          for (int i = 1; i <= 10; i++) {
            row.add(r.getString(i));
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }
}
