package dev.mzflink.status;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;

/**
 * Whether a running job's results are stalled, and why, as its results committer sees it: {@code
 * mzflink.mz_pipeline_health} in the results database, one row per Flink job. The job's status
 * reporters read it and show a stall in the status rows of every source of the job (they own those
 * rows; the committer does not know the sources).
 */
public final class PipelineHealth {
  /** The table. */
  public static final String TABLE = ResultsSchema.table("mz_pipeline_health");

  /** The job parameter that carries, in milliseconds, when results count as stalled. */
  public static final String STALL_AFTER_PARAMETER = "mzflink.stall-after-ms";

  private static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
          .withZone(java.time.ZoneId.systemDefault());

  /** {@code millis} as the time of day, as the status messages give it. */
  public static String time(long millis) {
    return TIME.format(java.time.Instant.ofEpochMilli(millis));
  }

  /** A row newer than this is current; an older one was left by a committer that stopped. */
  public static final long FRESH_MILLIS = 15_000;

  private static final String DDL =
      "CREATE TABLE IF NOT EXISTS "
          + TABLE
          + " (job_id text PRIMARY KEY, stalled_since timestamptz, reason text,"
          + " updated_at timestamptz NOT NULL DEFAULT now())";

  /** A stall: since when (epoch milliseconds) and why. */
  public record Stall(long sinceMillis, String reason) {}

  private PipelineHealth() {}

  /** Records job {@code jobId}'s stall, or that it is not stalled. */
  public static void write(Connection c, String jobId, Optional<Stall> stall) throws SQLException {
    ResultsSchema.create(c, DDL);
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (job_id, stalled_since, reason, updated_at) VALUES (?, ?, ?, now())"
                + " ON CONFLICT (job_id) DO UPDATE SET stalled_since = EXCLUDED.stalled_since,"
                + " reason = EXCLUDED.reason, updated_at = now()")) {
      p.setString(1, jobId);
      p.setTimestamp(2, stall.map(s -> new Timestamp(s.sinceMillis())).orElse(null));
      p.setString(3, stall.map(Stall::reason).orElse(null));
      p.executeUpdate();
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "DELETE FROM " + TABLE + " WHERE updated_at < now() - interval '7 days'")) {
      p.executeUpdate(); // rows of jobs long gone
    }
    if (!c.getAutoCommit()) {
      c.commit();
    }
  }

  /** Job {@code jobId}'s current stall, if its committer reported one lately. */
  public static Optional<Stall> read(Connection c, String jobId) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT stalled_since, reason FROM "
                + TABLE
                + " WHERE job_id = ? AND stalled_since IS NOT NULL"
                + " AND updated_at > now() - make_interval(secs => ?)")) {
      p.setString(1, jobId);
      p.setDouble(2, FRESH_MILLIS / 1000.0);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(new Stall(r.getTimestamp(1).getTime(), r.getString(2)));
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return Optional.empty(); // no committer wrote one yet
      }
      throw e;
    }
  }
}
