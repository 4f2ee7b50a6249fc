package dev.mzflink.sink;

import dev.mzflink.UserError;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.ResultsSchema;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The tables mzflink owns in the results database: each view's table with the upstream column
 * types, and {@code mzflink.sink_progress}, which records for each sink writer its lineage (the job
 * that started it) and the last batch it committed, so that no batch is applied twice and an
 * earlier run's rows are recognised.
 */
public final class ResultsTables {
  static final String PROGRESS_TABLE = ResultsSchema.table("sink_progress");

  /**
   * The comment ({@code COMMENT ON TABLE}) that marks a table mzflink created as a results table.
   * mzflink truncates, drops and writes only tables that carry it: it travels with the table (also
   * through pg_dump) and goes with it, so a table someone else creates under the same name lacks
   * it.
   */
  public static final String OWNERSHIP_MARK =
      "mzflink results table: created by mzflink, which replaces its rows on each new run";

  private ResultsTables() {}

  /** Creates the bookkeeping schema and table if missing; safe to run concurrently. */
  public static void createProgressTable(Connection connection) throws SQLException {
    ResultsSchema.create(
        connection,
        "CREATE TABLE IF NOT EXISTS "
            + PROGRESS_TABLE
            + " (sink text NOT NULL, subtask integer NOT NULL, lineage text NOT NULL, sequence bigint NOT NULL,"
            + " updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (sink, subtask))");
  }

  /**
   * Prepares the results tables before a job starts: creates the missing ones and checks the
   * columns of the others. Their rows are not touched here: the sink replaces an earlier run's rows
   * with the first batch of a new run (see {@link ResultsCommitter}), which is right however the
   * job was started (a fresh run, a resume, a JobManager that recovers a job). A table whose
   * columns changed is recreated on a fresh start and refused on a resume; a table missing on a
   * resume although its sink committed before was dropped by someone, and is refused. On a resume,
   * a table that copies an upstream table whose columns changed is altered to its new columns (the
   * source reads that table again, which rewrites its rows). Returns the tables created, and the
   * tables altered with what changed.
   *
   * @param copies the results tables (quoted) that copy an upstream table
   */
  public static List<String> prepare(
      Connection connection, List<ResultsTable> tables, boolean resuming, Set<String> copies)
      throws SQLException {
    // Before anything is created: a name taken by someone else's relation stops the run here.
    refuseOthers(connection, tables.stream().map(ResultsTable::qualifiedName).toList());
    createProgressTable(connection);
    List<String> created = new ArrayList<>();
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      ResultsSchema.lockDdl(s);
      ResultsEnums.synchronize(connection, tables);
      for (ResultsTable table : tables) {
        refuseOthers(connection, List.of(table.qualifiedName()));
        Map<String, String> actual = columnTypes(connection, table.qualifiedName());
        Map<String, String> expected = new LinkedHashMap<>();
        table.columns().forEach(c -> expected.put(c.name(), c.pgType()));
        if (actual.equals(expected)) {
          continue;
        }
        if (resuming && actual.isEmpty() && hasProgress(connection, table)) {
          throw UserError.of(String.format("results table %s was dropped", table.qualifiedName()))
              .withDetail(
                  "The job resumes with the rows it wrote there before; they would be missing.")
              .withHint(
                  "Start the pipeline from scratch (without --from-savepoint) to write the table again.");
        }
        if (resuming && !actual.isEmpty() && copies.contains(table.qualifiedName())) {
          created.add(alter(s, table, actual, expected));
          continue;
        }
        if (resuming && !actual.isEmpty()) {
          throw UserError.of(
                  String.format(
                      "results table %s does not match the pipeline", table.qualifiedName()))
              .withDetail("Expected columns " + expected + ", found " + actual + ".")
              .withHint(
                  "Start the pipeline from scratch (without --from-savepoint) to recreate it.");
        }
        s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(table.schema()));
        s.execute("DROP TABLE IF EXISTS " + table.qualifiedName());
        StagingTables.drop(s, table.qualifiedName());
        s.execute(createTableSql(table));
        s.execute(markSql(table.qualifiedName()));
        try (PreparedStatement p =
            connection.prepareStatement("DELETE FROM " + PROGRESS_TABLE + " WHERE sink = ?")) {
          p.setString(1, table.qualifiedName());
          p.executeUpdate();
        }
        created.add(table.qualifiedName() + " created");
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
    return created;
  }

  /**
   * Alters {@code table} (and its staging table) from the columns {@code actual} to {@code
   * expected}: columns gone are dropped, new ones added (null until the table is read again),
   * changed ones converted. Its key columns must be the same.
   */
  private static String alter(
      Statement s, ResultsTable table, Map<String, String> actual, Map<String, String> expected)
      throws SQLException {
    for (String key : table.primaryKey()) {
      if (!Objects.equals(actual.get(key), expected.get(key))) {
        throw UserError.of(
                String.format(
                    "results table %s does not match the pipeline: its key column %s changed",
                    table.qualifiedName(), Quote.pgIdentifier(key)))
            .withDetail("Expected columns " + expected + ", found " + actual + ".")
            .withHint("Start the pipeline from scratch (without --from-savepoint) to recreate it.");
      }
    }
    List<String> changes = new ArrayList<>();
    List<String> said = new ArrayList<>();
    actual.forEach(
        (column, type) -> {
          if (!expected.containsKey(column)) {
            changes.add("DROP COLUMN " + Quote.pgIdentifier(column));
            said.add("dropped " + Quote.pgIdentifier(column));
          }
        });
    expected.forEach(
        (column, type) -> {
          String c = Quote.pgIdentifier(column);
          String was = actual.get(column);
          if (was == null) {
            changes.add("ADD COLUMN " + c + " " + type);
            said.add("added " + c + " " + type);
          } else if (!was.equals(type)) {
            changes.add("ALTER COLUMN " + c + " TYPE " + type + " USING " + c + "::" + type);
            said.add(c + " " + was + " to " + type);
          }
        });
    String alter = " " + String.join(", ", changes);
    s.execute("ALTER TABLE " + table.qualifiedName() + alter);
    String staging = ResultsTableSpec.stagingTable(table.qualifiedName());
    s.execute("ALTER TABLE IF EXISTS " + staging + alter);
    return table.qualifiedName() + " altered: " + String.join(", ", said);
  }

  private static boolean hasProgress(Connection connection, ResultsTable table)
      throws SQLException {
    try (PreparedStatement p =
        connection.prepareStatement("SELECT 1 FROM " + PROGRESS_TABLE + " WHERE sink = ?")) {
      p.setString(1, table.qualifiedName());
      try (ResultSet r = p.executeQuery()) {
        return r.next();
      }
    }
  }

  static String createTableSql(ResultsTable table) {
    return "CREATE TABLE " + table.qualifiedName() + " (" + table.definition() + ")";
  }

  /**
   * Creates a results table the sink finds missing (the SQL client path, where no {@code mzflink
   * run} prepared the database): schema and table, under the same lock as the progress table.
   */
  static void createIfMissing(
      Connection connection, String qualifiedName, String schema, String types, String definition)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      ResultsSchema.lockDdl(s);
      s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(schema));
      if (!types.isEmpty()) {
        s.execute(types);
      }
      if (holder(connection, qualifiedName).isEmpty()) {
        s.execute("CREATE TABLE " + qualifiedName + " (" + definition + ")");
        s.execute(markSql(qualifiedName));
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static String markSql(String qualifiedName) {
    return "COMMENT ON TABLE " + qualifiedName + " IS " + Quote.pgLiteral(OWNERSHIP_MARK);
  }

  /**
   * What holds {@code qualifiedName} in the results database when it is not a table mzflink
   * created: "table", "view", "foreign table" and so on. Empty when nothing does (a missing schema
   * too), or when mzflink's own marked plain table does.
   */
  static Optional<String> foreignHolder(Connection connection, String qualifiedName)
      throws SQLException {
    Optional<String[]> holder = holder(connection, qualifiedName);
    if (holder.isEmpty()) {
      return Optional.empty();
    }
    String kind = holder.get()[0];
    if (kind.equals("r") && OWNERSHIP_MARK.equals(holder.get()[1])) {
      return Optional.empty();
    }
    return Optional.of(
        switch (kind) {
          case "r" -> "table";
          case "p" -> "partitioned table";
          case "v" -> "view";
          case "m" -> "materialized view";
          case "f" -> "foreign table";
          case "S" -> "sequence";
          case "i", "I" -> "index";
          default -> "relation";
        });
  }

  /** The relkind and comment of the relation {@code qualifiedName}; empty when there is none. */
  private static Optional<String[]> holder(Connection connection, String qualifiedName)
      throws SQLException {
    try (PreparedStatement p =
        connection.prepareStatement(
            "SELECT c.relkind::text, pg_catalog.obj_description(c.oid, 'pg_class')"
                + " FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(?)")) {
      p.setString(1, qualifiedName);
      try (ResultSet r = p.executeQuery()) {
        return r.next()
            ? Optional.of(new String[] {r.getString(1), r.getString(2)})
            : Optional.empty();
      }
    }
  }

  /**
   * Refuses, naming all of them, the results tables whose names hold a relation mzflink did not
   * create; reads only.
   */
  static void refuseOthers(Connection connection, List<String> qualifiedNames) throws SQLException {
    List<String> taken = new ArrayList<>();
    List<String> marks = new ArrayList<>();
    for (String name : qualifiedNames) {
      Optional<String> kind = foreignHolder(connection, name);
      if (kind.isPresent()) {
        taken.add(kind.get() + " " + name);
        if (kind.get().equals("table")) {
          marks.add(markSql(name) + ";");
        }
      }
    }
    if (taken.isEmpty()) {
      return;
    }
    throw UserError.of(
            taken.size() == 1
                ? String.format(
                    "%s in the results database was not created by mzflink", taken.get(0))
                : String.format(
                    "%d relations in the results database were not created by mzflink: %s",
                    taken.size(), String.join(", ", taken)))
        .withDetail(
            "The results of a view go to the table of its schema and name, whose rows each new run"
                + " replaces; mzflink does that only to tables it created itself (marked with a"
                + " comment). Nothing was changed.")
        .withHint(
            "Write the results into another database (--results-url), or rename or drop "
                + (taken.size() == 1 ? "it" : "them")
                + (marks.isEmpty()
                    ? "."
                    : "; if mzflink may replace the rows of a table, hand it over: "
                        + String.join(" ", marks)));
  }

  /**
   * The message of a job that finds someone else's relation where it would write a results table
   * (the SQL client path, where no {@code mzflink run} checked the database first).
   */
  static String foreignHolderMessage(String qualifiedName, String kind) {
    return String.format(
        "results table %s: the %s of that name in the results database was not created by mzflink,"
            + " so mzflink does not write into it. Write the results into another database, rename"
            + " or drop it, or, if mzflink may replace the rows of a table, hand it over: %s;",
        qualifiedName, kind, markSql(qualifiedName));
  }

  /**
   * The columns of an existing table and their types, in column order; empty if it is missing.
   * Types are as {@code format_type} prints them, but an enum (or an array of one) by its quoted
   * qualified name, as plans write it, whatever the search path.
   */
  static Map<String, String> columnTypes(Connection connection, String qualifiedName)
      throws SQLException {
    Map<String, String> columns = new LinkedHashMap<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), e.typtype = 'e', en.nspname,"
                + " e.typname, e.oid <> t.oid FROM pg_attribute a"
                + " JOIN pg_type t ON t.oid = a.atttypid"
                + " JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0"
                + " THEN t.typelem ELSE t.oid END"
                + " JOIN pg_namespace en ON en.oid = e.typnamespace"
                + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped"
                + " ORDER BY a.attnum")) {
      s.setString(1, qualifiedName);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String type =
              r.getBoolean(3)
                  ? Quote.pgQualified(r.getString(4), r.getString(5))
                      + (r.getBoolean(6) ? "[]" : "")
                  : r.getString(2);
          columns.put(r.getString(1), type);
        }
      }
    }
    return columns;
  }
}
