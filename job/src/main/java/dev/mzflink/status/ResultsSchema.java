package dev.mzflink.status;

import dev.mzflink.catalog.Catalog;
import dev.mzflink.sql.Quote;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * mzflink's own schema in the results database ({@code mzflink}): the bookkeeping tables of the
 * sink and of the status table live there. Creating them is serialized by one advisory lock, so
 * that concurrent sink writers, committers and status reporters never race on DDL.
 */
public final class ResultsSchema {
  /** The schema of mzflink's bookkeeping tables. */
  public static final String SCHEMA = Catalog.RESERVED_SCHEMA;

  /**
   * The advisory lock that serializes DDL in the schema (a constant all mzflink processes share).
   */
  private static final long DDL_LOCK = 4242424242L;

  private ResultsSchema() {}

  /** {@code "mzflink"."name"}. */
  public static String table(String name) {
    return Quote.pgQualified(SCHEMA, name);
  }

  /**
   * Runs {@code ddl} (idempotent statements such as {@code CREATE TABLE IF NOT EXISTS}) in one
   * transaction under the DDL lock, after creating the schema; commits, and leaves the connection's
   * auto-commit as it was.
   */
  public static void create(Connection connection, String... ddl) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      lockDdl(s);
      s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(SCHEMA));
      for (String statement : ddl) {
        s.execute(statement);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /** Whether the results database has table {@code qualified} ({@code "schema"."name"}). */
  public static boolean exists(Connection c, String qualified) throws SQLException {
    try (Statement s = c.createStatement();
        java.sql.ResultSet r =
            s.executeQuery(
                "SELECT to_regclass('" + qualified.replace("'", "''") + "') IS NOT NULL")) {
      r.next();
      return r.getBoolean(1);
    }
  }

  /** Takes the DDL lock for the current transaction. */
  public static void lockDdl(Statement statement) throws SQLException {
    statement.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ")");
  }
}
