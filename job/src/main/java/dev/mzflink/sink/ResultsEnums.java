package dev.mzflink.sink;

import dev.mzflink.UserError;
import dev.mzflink.sql.Quote;
import dev.mzflink.translate.FlinkPlan.ResultsEnum;
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
import java.util.Optional;

/**
 * The enum types of results tables in the results database, compared with upstream by their labels
 * before a job starts: a missing type is created with upstream's labels in upstream's order and
 * marked as mzflink's ({@link ResultsEnum#MARK}); labels upstream gained since are added in their
 * upstream positions, only to types carrying the mark. A type mzflink did not create that lacks a
 * label, or a type whose labels are not upstream's in upstream's order, is refused.
 */
final class ResultsEnums {
  private ResultsEnums() {}

  /** The labels of an existing type in their sort order, and whether it carries the mark. */
  record Existing(List<String> labels, boolean marked) {}

  /**
   * Creates or completes the enum types {@code tables} use, in the connection's transaction (the
   * caller holds the DDL lock and commits).
   */
  static void synchronize(Connection connection, List<ResultsTable> tables) throws SQLException {
    Map<String, ResultsEnum> enums = new LinkedHashMap<>();
    for (ResultsTable table : tables) {
      table.enums().forEach(e -> enums.putIfAbsent(e.qualifiedName(), e));
    }
    try (Statement s = connection.createStatement()) {
      for (ResultsEnum e : enums.values()) {
        Optional<Existing> existing = existing(connection, e);
        if (existing.isEmpty()) {
          s.execute("CREATE SCHEMA IF NOT EXISTS " + Quote.pgIdentifier(e.schema()));
          s.execute(e.createSql());
          s.execute(e.markSql());
          continue;
        }
        for (String statement : additions(e, existing.get())) {
          s.execute(statement);
        }
      }
    }
  }

  /**
   * The {@code ALTER TYPE ... ADD VALUE} statements that make {@code existing} hold upstream's
   * labels in upstream's order; none when it does. Refuses a type that would need another change,
   * or any change when it is not mzflink's.
   */
  static List<String> additions(ResultsEnum upstream, Existing existing) {
    List<String> have = existing.labels();
    List<String> want = upstream.labels();
    int matched = 0;
    for (String label : want) {
      if (matched < have.size() && have.get(matched).equals(label)) {
        matched++;
      }
    }
    if (matched < have.size()) {
      throw UserError.of(
              String.format(
                  "enum type %s in the results database has labels %s; upstream has %s",
                  upstream.qualifiedName(), have, want))
          .withDetail(
              "Enum labels cannot be removed or reordered: its values would sort differently from"
                  + " upstream's.")
          .withHint(
              String.format(
                  "Drop it with the results tables that use it (DROP TYPE %s CASCADE) and start the"
                      + " pipeline from scratch (without --from-savepoint).",
                  upstream.qualifiedName()));
    }
    List<String> statements = new ArrayList<>();
    for (int i = 0; i < want.size(); i++) {
      String label = want.get(i);
      if (have.contains(label)) {
        continue;
      }
      if (!existing.marked()) {
        throw UserError.of(
                String.format(
                    "enum type %s in the results database lacks label %s that upstream has",
                    upstream.qualifiedName(), Quote.pgLiteral(label)))
            .withDetail(
                "mzflink did not create that type (it has no comment '"
                    + ResultsEnum.MARK
                    + "'), so it does not change it.")
            .withHint(
                String.format(
                    "Add the label yourself (ALTER TYPE %s ADD VALUE %s ...), or drop the type and"
                        + " the tables that use it so that mzflink creates it.",
                    upstream.qualifiedName(), Quote.pgLiteral(label)));
      }
      // Before the next upstream label the type has (they are in upstream's order), else last.
      String before = null;
      for (int j = i + 1; j < want.size() && before == null; j++) {
        if (have.contains(want.get(j))) {
          before = want.get(j);
        }
      }
      statements.add(
          "ALTER TYPE "
              + upstream.qualifiedName()
              + " ADD VALUE IF NOT EXISTS "
              + Quote.pgLiteral(label)
              + (before == null ? "" : " BEFORE " + Quote.pgLiteral(before)));
    }
    return statements;
  }

  /** The type {@code e} names in the results database, if it exists; refuses a non-enum type. */
  private static Optional<Existing> existing(Connection connection, ResultsEnum e)
      throws SQLException {
    long oid;
    boolean marked;
    try (PreparedStatement p =
        connection.prepareStatement(
            "SELECT t.oid, t.typtype, obj_description(t.oid, 'pg_type') FROM pg_type t"
                + " JOIN pg_namespace n ON n.oid = t.typnamespace"
                + " WHERE n.nspname = ? AND t.typname = ?")) {
      p.setString(1, e.schema());
      p.setString(2, e.name());
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        if (!"e".equals(r.getString(2))) {
          throw UserError.of(
                  String.format(
                      "type %s in the results database is not an enum type; upstream's is",
                      e.qualifiedName()))
              .withHint("Drop or rename it, or write the results into another database.");
        }
        oid = r.getLong(1);
        marked = ResultsEnum.MARK.equals(r.getString(3));
      }
    }
    return Optional.of(new Existing(labels(connection, oid), marked));
  }

  /** The labels of enum type {@code oid} in their sort order. */
  static List<String> labels(Connection connection, long oid) throws SQLException {
    List<String> labels = new ArrayList<>();
    try (PreparedStatement p =
        connection.prepareStatement(
            "SELECT enumlabel FROM pg_enum WHERE enumtypid = ?::oid ORDER BY enumsortorder")) {
      p.setLong(1, oid);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          labels.add(r.getString(1));
        }
      }
    }
    return labels;
  }
}
