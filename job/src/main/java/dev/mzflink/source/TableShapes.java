package dev.mzflink.source;

import dev.mzflink.source.pgoutput.PgOutputMessage.Relation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table as it is upstream now, against the shape the pipeline reads it with: a table is re-read
 * (refreshed) only with the columns and types the pipeline was planned with, so a table whose shape
 * changed is refused with the change named, as the stream names it.
 */
final class TableShapes {
  private TableShapes() {}

  /** How {@code t} differs upstream now from what the pipeline reads; empty when it does not. */
  static Optional<String> change(Connection c, String publication, TableLayout t)
      throws SQLException {
    long oid;
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ?")) {
      p.setString(1, t.schema);
      p.setString(2, t.name);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return Optional.of("it no longer exists");
        }
        oid = r.getLong(1);
      }
    }
    boolean columnLists = c.getMetaData().getDatabaseMajorVersion() >= 15;
    boolean published;
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename"
                + " = ?")) {
      p.setString(1, publication);
      p.setString(2, t.schema);
      p.setString(3, t.name);
      try (ResultSet r = p.executeQuery()) {
        published = r.next();
      }
    }
    if (!published && !t.partitioned) {
      return Optional.of("it is no longer in publication " + publication);
    }
    // The columns pgoutput publishes: not dropped, not generated, in the column list if any.
    String filter =
        columnLists && published
            ? " AND a.attname = ANY ((SELECT attnames FROM pg_publication_tables WHERE pubname = ?"
                + " AND schemaname = ? AND tablename = ?)::name[])"
            : "";
    List<Relation.Column> columns = new ArrayList<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT a.attname, a.atttypid, a.atttypmod FROM pg_attribute a WHERE a.attrelid = ?::oid"
                + " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''"
                + filter
                + " ORDER BY a.attnum")) {
      p.setLong(1, oid);
      if (!filter.isEmpty()) {
        p.setString(2, publication);
        p.setString(3, t.schema);
        p.setString(4, t.name);
      }
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          columns.add(new Relation.Column(0, r.getString(1), r.getLong(2), r.getInt(3)));
        }
      }
    }
    return Optional.ofNullable(ChangeDecoder.schemaChange(t, oid, columns));
  }
}
