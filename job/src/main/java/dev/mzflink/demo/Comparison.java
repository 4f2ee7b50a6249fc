package dev.mzflink.demo;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a query's rows upstream with a results table, as multisets of PostgreSQL row text (the
 * same types on both sides print the same text), like {@code EXCEPT ALL} in both directions.
 */
public final class Comparison {
  /**
   * @param missing rows upstream has and the results table lacks (with multiplicity)
   * @param extra rows the results table has and upstream lacks (with multiplicity)
   */
  public record Result(
      long upstreamRows, long resultsRows, List<String> missing, List<String> extra) {
    public boolean equal() {
      return missing.isEmpty() && extra.isEmpty();
    }

    public String describe() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("upstream %d rows, results %d rows", upstreamRows, resultsRows));
      if (!missing.isEmpty()) {
        out.append("\n  missing from results: ").append(head(missing));
      }
      if (!extra.isEmpty()) {
        out.append("\n  extra in results: ").append(head(extra));
      }
      return out.toString();
    }

    private static String head(List<String> rows) {
      return rows.size() <= 20
          ? rows.toString()
          : rows.subList(0, 20) + " ... (" + rows.size() + " in all)";
    }
  }

  private Comparison() {}

  /** Compares the rows of {@code upstreamQuery} with the rows of {@code resultsQuery}. */
  public static Result compare(
      Connection upstream, String upstreamQuery, Connection results, String resultsQuery)
      throws SQLException {
    Map<String, Integer> up = rows(upstream, upstreamQuery);
    Map<String, Integer> down = rows(results, resultsQuery);
    List<String> missing = new ArrayList<>();
    List<String> extra = new ArrayList<>();
    difference(up, down, missing);
    difference(down, up, extra);
    return new Result(total(up), total(down), missing, extra);
  }

  /** The query that reads all rows of a table. */
  public static String rowsOf(String qualifiedTable) {
    return "SELECT * FROM " + qualifiedTable;
  }

  /**
   * A digest of the multiset of a query's rows, computed by the server: the row count and an md5 of
   * the rows' text in order. Equal multisets have equal digests (on servers with the same
   * collation); it is much cheaper than {@link #compare} for a table that is still catching up.
   */
  public static String digest(Connection c, String query) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT count(*) || ':' || coalesce(md5(string_agg(q::text, E'\\n' ORDER BY q::text)), '') FROM ("
                    + query
                    + ") q")) {
      r.next();
      return r.getString(1);
    }
  }

  private static Map<String, Integer> rows(Connection c, String query) throws SQLException {
    Map<String, Integer> rows = new HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT q::text FROM (" + query + ") q")) {
      while (r.next()) {
        rows.merge(r.getString(1), 1, Integer::sum);
      }
    }
    return rows;
  }

  private static void difference(Map<String, Integer> a, Map<String, Integer> b, List<String> out) {
    a.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              int surplus = e.getValue() - b.getOrDefault(e.getKey(), 0);
              for (int i = 0; i < surplus; i++) {
                out.add(e.getKey());
              }
            });
  }

  private static long total(Map<String, Integer> rows) {
    return rows.values().stream().mapToLong(Integer::longValue).sum();
  }
}
