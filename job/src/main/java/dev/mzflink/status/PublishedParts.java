package dev.mzflink.status;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code mzflink.published_parts} in the results database: for each table a pipeline's source
 * snapshotted, what its publication published of the table when the snapshot read it (the row
 * filter and the column list, PostgreSQL 15 and later). A resume compares them with the
 * publication's current definition: the stream sends rows by the current one, and the results hold
 * the rows of the one the snapshot read.
 *
 * <p>It lives in the results database, keyed by the source and its slot, like the slot registry:
 * that is where a pipeline's own records are (upstream is someone's production database), it can be
 * read before the job starts, and savepoints keep their format.
 */
public final class PublishedParts {
  /** The table. */
  public static final String TABLE = ResultsSchema.table("published_parts");

  static final String DDL =
      "CREATE TABLE IF NOT EXISTS "
          + TABLE
          + " (source text NOT NULL, slot_name text NOT NULL, table_schema text NOT NULL,"
          + " table_name text NOT NULL, publication text NOT NULL, row_filter text,"
          + " column_list text[], recorded_at timestamptz NOT NULL DEFAULT now(),"
          + " PRIMARY KEY (source, slot_name, table_schema, table_name))";

  private PublishedParts() {}

  /**
   * What a publication publishes of one table.
   *
   * @param schema the table's schema
   * @param table the table's name
   * @param rowFilter the row filter as PostgreSQL prints it; empty when every row is published
   * @param columnList the published columns when a column list leaves columns out; empty when every
   *     column is published
   */
  public record Part(
      String schema, String table, Optional<String> rowFilter, Optional<List<String>> columnList) {
    public Part {
      requireNonNull(schema, "schema is null");
      requireNonNull(table, "table is null");
      requireNonNull(rowFilter, "rowFilter is null");
      columnList = requireNonNull(columnList, "columnList is null").map(List::copyOf);
    }
  }

  /**
   * The parts recorded for source {@code source} (quoted) reading slot {@code slot}, by {@code
   * "schema"."table"}; none when nothing was recorded.
   */
  public static Map<String, Part> find(Connection results, String source, String slot)
      throws SQLException {
    Map<String, Part> parts = new LinkedHashMap<>();
    if (!exists(results)) {
      return parts;
    }
    try (PreparedStatement s =
        results.prepareStatement(
            "SELECT table_schema, table_name, row_filter, column_list FROM "
                + TABLE
                + " WHERE source = ? AND slot_name = ? ORDER BY table_schema, table_name")) {
      s.setString(1, source);
      s.setString(2, slot);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          java.sql.Array columns = r.getArray(4);
          Part part =
              new Part(
                  r.getString(1),
                  r.getString(2),
                  Optional.ofNullable(r.getString(3)),
                  columns == null
                      ? Optional.empty()
                      : Optional.of(List.of((String[]) columns.getArray())));
          parts.put(Quote.pgQualified(part.schema(), part.table()), part);
        }
      }
    }
    return parts;
  }

  /**
   * Records {@code parts} for source {@code source} reading slot {@code slot} through {@code
   * publication}: replacing what was recorded for it when {@code replace} (a fresh start, whose
   * snapshot reads every table), otherwise only for tables without a record (tables a resumed
   * source snapshots for the first time).
   */
  public static void record(
      Connection results,
      String source,
      String slot,
      String publication,
      List<Part> parts,
      boolean replace)
      throws SQLException {
    ResultsSchema.create(results, DDL);
    boolean autoCommit = results.getAutoCommit();
    results.setAutoCommit(false);
    try {
      if (replace) {
        try (PreparedStatement s =
            results.prepareStatement(
                "DELETE FROM " + TABLE + " WHERE source = ? AND slot_name = ?")) {
          s.setString(1, source);
          s.setString(2, slot);
          s.executeUpdate();
        }
      }
      try (PreparedStatement s =
          results.prepareStatement(
              "INSERT INTO "
                  + TABLE
                  + " (source, slot_name, table_schema, table_name, publication, row_filter,"
                  + " column_list) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        for (Part part : parts) {
          s.setString(1, source);
          s.setString(2, slot);
          s.setString(3, part.schema());
          s.setString(4, part.table());
          s.setString(5, publication);
          s.setString(6, part.rowFilter().orElse(null));
          s.setArray(
              7,
              part.columnList().isEmpty()
                  ? null
                  : results.createArrayOf("text", part.columnList().get().toArray()));
          s.addBatch();
        }
        s.executeBatch();
      }
      results.commit();
    } catch (SQLException | RuntimeException e) {
      results.rollback();
      throw e;
    } finally {
      results.setAutoCommit(autoCommit);
    }
  }

  private static boolean exists(Connection results) throws SQLException {
    try (PreparedStatement s =
            results.prepareStatement(
                "SELECT to_regclass('" + TABLE.replace("'", "''") + "') IS NOT NULL");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getBoolean(1);
    }
  }
}
