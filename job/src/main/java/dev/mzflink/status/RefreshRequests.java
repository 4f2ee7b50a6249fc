package dev.mzflink.status;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code mzflink.mz_refresh_requests} in the results database: requests to re-read upstream tables
 * of a running source, and how far each got. {@code mzflink refresh} inserts them, and so may
 * anyone who can write the table (source and table named as {@code mzflink status} shows them, or
 * unquoted); the job's source takes them, and the results commit that applies the re-read records
 * the rows it wrote.
 *
 * <p>A request goes {@code requested} → {@code restarting} (the job restarts from its latest
 * checkpoint to re-read the table) → {@code reading} (its snapshot at a new consistent point is
 * read) → {@code read} (every row is out; the results commit after it applies the difference) →
 * {@code done} with {@code rows_written}; or {@code failed} with {@code error}.
 */
public final class RefreshRequests {
  /** The table. */
  public static final String TABLE = ResultsSchema.table("mz_refresh_requests");

  /** The states of a request, in order. */
  public enum State {
    REQUESTED,
    RESTARTING,
    READING,
    READ,
    DONE,
    FAILED;

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final String DDL =
      "CREATE TABLE IF NOT EXISTS "
          + TABLE
          + " (id bigserial PRIMARY KEY, source text NOT NULL, \"table\" text NOT NULL,"
          + " state text NOT NULL DEFAULT 'requested', requested_at timestamptz NOT NULL DEFAULT"
          + " now(), updated_at timestamptz NOT NULL DEFAULT now(), rows_written bigint, error text, lsn pg_lsn)";

  private RefreshRequests() {}

  /**
   * A request: its id, the source and table as given, its state, and once it is read the WAL
   * position of the snapshot it is read at (-1 before).
   */
  public record Request(long id, String source, String table, String state, long lsn) {
    public Request(long id, String source, String table, String state) {
      this(id, source, table, state, -1);
    }
  }

  /** Requests {@code ids} are being read in a snapshot at WAL position {@code lsn}. */
  public static void reading(Connection c, List<Long> ids, long lsn) throws SQLException {
    mark(c, ids, State.READING, Optional.empty(), Optional.empty());
    try (PreparedStatement p =
        c.prepareStatement("UPDATE " + TABLE + " SET lsn = ?::pg_lsn WHERE id = ?")) {
      for (long id : ids) {
        p.setString(1, org.postgresql.replication.LogSequenceNumber.valueOf(lsn).asString());
        p.setLong(2, id);
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  /** Creates the table when missing. Commits. */
  public static void create(Connection c) throws SQLException {
    ResultsSchema.create(c, DDL);
  }

  /** Inserts a request; returns its id. */
  public static long request(Connection c, String source, String table) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO " + TABLE + " (source, \"table\") VALUES (?, ?) RETURNING id")) {
      p.setString(1, source);
      p.setString(2, table);
      try (ResultSet r = p.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /**
   * The requests not yet done or failed whose source is {@code source} (quoted), oldest first;
   * empty when the table does not exist.
   */
  public static List<Request> open(Connection c, String source) throws SQLException {
    List<Request> open = new ArrayList<>();
    if (!exists(c)) {
      return open;
    }
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT id, source, \"table\", state FROM "
                    + TABLE
                    + " WHERE state NOT IN ('done', 'failed') ORDER BY id")) {
      while (r.next()) {
        if (Names.matches(r.getString(2), source)) {
          open.add(new Request(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)));
        }
      }
    }
    return open;
  }

  /**
   * Sets the state of requests {@code ids} that are not done or failed; with their table as the
   * source names it (quoted) when {@code table} is given, and an error when {@code error} is.
   */
  public static void mark(
      Connection c, List<Long> ids, State state, Optional<String> table, Optional<String> error)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE "
                + TABLE
                + " SET state = ?, \"table\" = coalesce(?, \"table\"), error = ?, updated_at ="
                + " now() WHERE id = ? AND state NOT IN ('done', 'failed')")) {
      for (long id : ids) {
        p.setString(1, state.text());
        p.setString(2, table.orElse(null));
        p.setString(3, error.map(dev.mzflink.Redaction::text).orElse(null));
        p.setLong(4, id);
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  /**
   * In the caller's transaction: the requests of {@code source} whose rows are all read, locked;
   * the table is the source's name of it (quoted). The table must exist (a job's committer creates
   * it).
   */
  public static List<Request> read(Connection c, String source) throws SQLException {
    List<Request> read = new ArrayList<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT id, source, \"table\", state, lsn::text FROM "
                + TABLE
                + " WHERE state = 'read' ORDER BY id FOR UPDATE")) {
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          if (Names.matches(r.getString(2), source)) {
            String lsn = r.getString(5);
            read.add(
                new Request(
                    r.getLong(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4),
                    lsn == null
                        ? -1
                        : org.postgresql.replication.LogSequenceNumber.valueOf(lsn).asLong()));
          }
        }
      }
    }
    return read;
  }

  /** In the caller's transaction: request {@code id} failed with {@code error}. */
  public static void failed(Connection c, long id, String error) throws SQLException {
    mark(c, List.of(id), State.FAILED, Optional.empty(), Optional.of(error));
  }

  /** In the caller's transaction: request {@code id} is done, with {@code rows} written. */
  public static void done(Connection c, long id, Optional<Long> rows) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE "
                + TABLE
                + " SET state = 'done', rows_written = ?, updated_at = now() WHERE id = ?")) {
      if (rows.isPresent()) {
        p.setLong(1, rows.get());
      } else {
        p.setNull(1, java.sql.Types.BIGINT);
      }
      p.setLong(2, id);
      p.executeUpdate();
    }
  }

  /** A request's state, rows written and error (empty when there is no such request). */
  public record Outcome(String state, Optional<Long> rowsWritten, String error) {}

  /** The outcome of request {@code id}. */
  public static Optional<Outcome> outcome(Connection c, long id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT state, rows_written, coalesce(error, '') FROM " + TABLE + " WHERE id = ?")) {
      p.setLong(1, id);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        long rows = r.getLong(2);
        return Optional.of(
            new Outcome(
                r.getString(1),
                r.wasNull() ? Optional.empty() : Optional.of(rows),
                r.getString(3)));
      }
    }
  }

  /**
   * The requests still open and those that ended in the last day, newest first, for {@code mzflink
   * status}: id, source, table, state, rows written, error, last change.
   */
  public static List<List<String>> recent(Connection c) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    if (!exists(c)) {
      return rows;
    }
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT id::text, source, \"table\", state, coalesce(rows_written::text, ''),"
                    + " coalesce(error, ''), to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS') FROM "
                    + TABLE
                    + " WHERE state NOT IN ('done', 'failed') OR updated_at > now() - interval '1"
                    + " day' ORDER BY id DESC LIMIT 50")) {
      while (r.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
          row.add(r.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static boolean exists(Connection c) throws SQLException {
    return ResultsSchema.exists(c, TABLE);
  }

  /**
   * Names as users give them: quoted parts ({@code "public"."src"}, as {@code mzflink status} shows
   * them) or unquoted ones (folded to lower case, as SQL does), and the last parts alone ({@code
   * src}) when they are unambiguous to the caller.
   */
  public static final class Names {
    private Names() {}

    /** The parts of {@code name}: quoted parts as written, unquoted ones in lower case. */
    public static List<String> parts(String name) {
      List<String> parts = new ArrayList<>();
      String text = name.strip();
      int i = 0;
      while (true) {
        if (i < text.length() && text.charAt(i) == '"') {
          StringBuilder part = new StringBuilder();
          i++;
          while (i < text.length()) {
            char ch = text.charAt(i++);
            if (ch != '"') {
              part.append(ch);
            } else if (i < text.length() && text.charAt(i) == '"') {
              part.append('"');
              i++;
            } else {
              break;
            }
          }
          parts.add(part.toString());
          int dot = text.indexOf('.', i);
          i = dot < 0 ? text.length() : dot;
        } else {
          int dot = text.indexOf('.', i);
          int end = dot < 0 ? text.length() : dot;
          parts.add(text.substring(i, end).strip().toLowerCase(Locale.ROOT));
          i = end;
        }
        if (i >= text.length()) {
          return parts;
        }
        i++; // the dot
      }
    }

    /** Whether {@code given} names {@code quoted} (all of its parts, or its last ones). */
    public static boolean matches(String given, String quoted) {
      List<String> g = parts(given);
      List<String> q = parts(quoted);
      if (g.isEmpty() || g.size() > q.size() || g.stream().anyMatch(String::isEmpty)) {
        return false;
      }
      return q.subList(q.size() - g.size(), q.size()).equals(g);
    }
  }
}
