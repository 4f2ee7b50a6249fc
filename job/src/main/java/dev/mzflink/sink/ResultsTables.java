package dev.mzflink.sink;

import dev.mzflink.UserError;
import dev.mzflink.sql.Quote;
import dev.mzflink.translate.FlinkPlan.ResultsTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables mzflink owns in the results database: each view's table with the upstream column
 * types, and {@code mzflink.sink_progress}, which records the last batch each sink writer
 * committed so that no batch is applied twice.
 */
public final class ResultsTables {
  /** The schema of mzflink's own bookkeeping tables in the results database. */
  public static final String SCHEMA = "mzflink";

  static final String PROGRESS_TABLE = Quote.pgQualified(SCHEMA, "sink_progress");

  private ResultsTables() {}

  /** Creates the bookkeeping schema and table if missing; safe to run concurrently. */
  public static void createProgressTable(Connection connection) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      s.execute("SELECT pg_advisory_xact_lock(4242424242)");
      s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(SCHEMA));
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + PROGRESS_TABLE
              + " (sink text NOT NULL, subtask integer NOT NULL, lineage bigint NOT NULL, sequence bigint NOT NULL,"
              + " updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (sink, subtask))");
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /**
   * Drops and creates the results tables of a pipeline that starts from scratch, and forgets
   * their sinks' progress: a fresh snapshot must not meet rows of an earlier run.
   */
  public static void recreate(Connection connection, List<ResultsTable> tables) throws SQLException {
    createProgressTable(connection);
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      for (ResultsTable table : tables) {
        s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(table.schema()));
        s.execute("DROP TABLE IF EXISTS " + table.qualifiedName());
        s.execute(createTableSql(table));
        try (PreparedStatement p = connection.prepareStatement("DELETE FROM " + PROGRESS_TABLE + " WHERE sink = ?")) {
          p.setString(1, table.qualifiedName());
          p.executeUpdate();
        }
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /**
   * Prepares the results tables of a resumed pipeline: an existing table must have the expected
   * columns; a missing one belongs to a view that joined the pipeline after its savepoint and is
   * created empty (its rows arrive with the view's snapshot), its sink's progress forgotten.
   * Returns the tables created.
   */
  public static List<String> prepareResume(Connection connection, List<ResultsTable> tables) throws SQLException {
    createProgressTable(connection);
    List<ResultsTable> missing = new ArrayList<>();
    for (ResultsTable table : tables) {
      Map<String, String> actual = columnTypes(connection, table.qualifiedName());
      if (actual.isEmpty()) {
        missing.add(table);
        continue;
      }
      Map<String, String> expected = new LinkedHashMap<>();
      table.columns().forEach(c -> expected.put(c.name(), c.pgType()));
      if (!actual.equals(expected)) {
        throw UserError.of(
                String.format("results table %s does not match the pipeline", table.qualifiedName()))
            .withDetail("Expected columns " + expected + ", found " + actual + ".")
            .withHint("Start the pipeline from scratch (without --from-savepoint) to recreate it.");
      }
    }
    recreate(connection, missing);
    return missing.stream().map(ResultsTable::qualifiedName).toList();
  }

  static String createTableSql(ResultsTable table) {
    return "CREATE TABLE " + table.qualifiedName() + " (" + table.definition() + ")";
  }

  /**
   * Creates a results table the sink finds missing (the SQL client path, where no {@code mzflink
   * run} prepared the database): schema and table, under the same lock as the progress table.
   */
  static void createIfMissing(Connection connection, String qualifiedName, String schema, String definition)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      s.execute("SELECT pg_advisory_xact_lock(4242424242)");
      s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(schema));
      s.execute("CREATE TABLE IF NOT EXISTS " + qualifiedName + " (" + definition + ")");
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /** The columns of an existing table and their types, in column order; empty if it is missing. */
  static Map<String, String> columnTypes(Connection connection, String qualifiedName) throws SQLException {
    Map<String, String> columns = new LinkedHashMap<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      s.setString(1, qualifiedName);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          columns.put(r.getString(1), r.getString(2));
        }
      }
    }
    return columns;
  }
}
