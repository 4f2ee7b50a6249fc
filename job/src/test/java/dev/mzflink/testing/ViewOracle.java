package dev.mzflink.testing;

import dev.mzflink.sql.Parser;
import dev.mzflink.sql.QueryPrinter;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * Views maintained by mzflink and the same views in PostgreSQL, compared: the views are created
 * upstream with the same SELECT, and each materialized view's results table must have PostgreSQL's
 * column names and types (numeric results of avg and division may be numeric(38,s), the documented
 * rounding) and, as a multiset, PostgreSQL's rows. PostgreSQL's rows are copied into a table of the
 * results table's types first, which applies that rounding and nothing else.
 */
public final class ViewOracle {
  /** A view of the script: created upstream as a plain view with the same query. */
  public record ViewDefinition(String name, boolean materialized, String query) {}

  private final List<ViewDefinition> views;

  public ViewOracle(List<ViewDefinition> views) {
    this.views = List.copyOf(views);
  }

  /** The views over {@link Workload}'s shop: every construct views translate. */
  public static final List<ViewDefinition> SHOP_VIEWS =
      List.of(
          materialized(
              "customer_revenue",
              "SELECT c.id, c.name, count(*) AS orders, sum(o.total) AS revenue, avg(o.total) AS average,\n"
                  + "  min(o.ordered_at) AS first_order, max(o.ordered_at) AS last_order, count(DISTINCT o.status) AS statuses\n"
                  + "FROM customers c JOIN orders o ON o.customer_id = c.id\n"
                  + "WHERE o.status <> 'cancelled'\n"
                  + "GROUP BY c.id, c.name\n"
                  + "HAVING count(*) >= 1"),
          materialized(
              "customer_activity",
              "SELECT c.id, c.segment, count(o.id) AS orders, coalesce(sum(o.total), 0) AS spent,\n"
                  + "  coalesce(max(o.status), 'none') AS max_status, sum(o.discount) AS discounts\n"
                  + "FROM customers c LEFT JOIN orders o ON o.customer_id = c.id\n"
                  + "GROUP BY c.id, c.segment"),
          materialized(
              "order_lines",
              "SELECT i.order_id, p.name AS product, i.quantity, i.quantity * i.unit_price AS line_total,\n"
                  + "  CASE WHEN i.quantity >= 5 THEN 'bulk' WHEN i.quantity > 1 THEN 'multi' ELSE 'single' END AS size,\n"
                  + "  nullif(p.category, 'misc') AS category, upper(substr(p.name, 1, 3)) || '-' || length(p.name) AS code,\n"
                  + "  i.quantity / 2 AS half, i.quantity % 3 AS rest, i.unit_price / i.quantity AS unit_share,\n"
                  + "  p.price - i.unit_price AS markup, substring(lower(p.name) from 2 for 4) AS middle\n"
                  + "FROM order_items i JOIN products p ON p.id = i.product_id"),
          materialized(
              "monthly_sales",
              "SELECT date_trunc('month', ordered_at) AS month, extract(year FROM ordered_at) AS year,\n"
                  + "  extract(dow FROM ordered_at) AS dow, status, count(*) AS orders, sum(total) AS total,\n"
                  + "  sum(discount) AS discounts, avg(discount) AS average_discount\n"
                  + "FROM orders GROUP BY 1, 2, 3, status"),
          materialized(
              "order_flags",
              "SELECT id, customer_id, total > 100 AS big, discount IS NULL AS no_discount, note LIKE 'gift%' AS gift,\n"
                  + "  status IN ('paid', 'shipped') AS done, total BETWEEN 10 AND 50 AS mid,\n"
                  + "  coalesce(note, '-') || ':' || status AS label, lower(note) AS lowered,\n"
                  + "  extract(second FROM ordered_at) AS second, date_trunc('week', ordered_at) AS week,\n"
                  + "  extract(isodow FROM ordered_at) AS isodow, ordered_at::date AS day, total::int AS rounded,\n"
                  + "  id::text || '#' AS tag, customer_id / 7 AS bucket, (discount * 100)::int AS basis_points,\n"
                  + "  CASE WHEN discount IS NULL THEN total ELSE total - discount END AS net\n"
                  + "FROM orders\n"
                  + "WHERE (total IS NULL OR total >= 0) AND NOT (status = 'void')"),
          materialized(
              "statuses", "SELECT DISTINCT status, customer_id IS NULL AS anonymous FROM orders"),
          materialized(
              "gold_orders",
              "SELECT o.id, o.total FROM orders o\n"
                  + "WHERE o.customer_id IN (SELECT id FROM customers WHERE segment = 'gold')\n"
                  + "  AND o.status NOT IN ('cancelled', 'void')"),
          materialized(
              "unordered_products",
              "SELECT p.id, p.name FROM products p\n"
                  + "WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.product_id = p.id)"),
          materialized(
              "orders_with_bulk_items",
              "SELECT o.id, o.status FROM orders o\n"
                  + "WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.quantity > 6)"),
          materialized(
              "never_cancelled",
              "SELECT c.id, c.name FROM customers c\n"
                  + "WHERE c.id NOT IN (SELECT customer_id FROM orders WHERE status = 'cancelled' AND customer_id IS NOT NULL)"),
          materialized(
              "not_in_with_nulls",
              "SELECT p.id FROM products p\n"
                  + "WHERE p.id NOT IN (SELECT product_id FROM order_items WHERE quantity > 8)"),
          materialized(
              "contacts",
              "SELECT name, email AS contact, 'customer' AS kind FROM customers\n"
                  + "UNION ALL\n"
                  + "SELECT name, category, 'product' FROM products\n"
                  + "UNION ALL\n"
                  + "SELECT note, status, 'order' FROM orders WHERE note IS NOT NULL"),
          view(
              "paid_orders",
              "SELECT id, customer_id, total, ordered_at FROM orders WHERE status = 'paid'"),
          materialized(
              "paid_per_segment",
              "SELECT c.segment, count(*) AS orders, sum(p.total) AS total, max(p.ordered_at) AS latest\n"
                  + "FROM paid_orders p JOIN customers c ON c.id = p.customer_id\n"
                  + "GROUP BY c.segment"),
          materialized(
              "big_spenders",
              "SELECT s.customer_id, s.spent, s.n FROM (\n"
                  + "  SELECT customer_id, sum(total) AS spent, count(*) AS n FROM orders GROUP BY customer_id\n"
                  + ") AS s\n"
                  + "WHERE s.spent > 2000 AND s.n > 1"),
          materialized(
              "orders_and_customers",
              "SELECT o.id AS order_id, c.id AS customer_id, c.country, o.status\n"
                  + "FROM orders o FULL JOIN customers c ON o.customer_id = c.id"),
          materialized(
              "customer_big_orders",
              "SELECT c.name, o.total FROM orders o RIGHT JOIN customers c ON c.id = o.customer_id AND o.total > 1000"),
          materialized(
              "refund_totals",
              "SELECT count(*) AS orders, sum(total) AS revenue, avg(discount) AS average_discount,\n"
                  + "  count(DISTINCT customer_id) AS customers, max(note) AS last_note\n"
                  + "FROM orders WHERE status = 'refunded' AND total > 1990"),
          materialized(
              "countries",
              "SELECT country, count(*) AS customers, min(name) AS first_name FROM customers\n"
                  + "WHERE country IN ('US', 'DE') OR country = 'F ' OR country IS NULL\n"
                  + "GROUP BY country"),
          materialized(
              "gold_revenue",
              "SELECT o.id, sum(i.quantity * i.unit_price) AS revenue, o.ordered_at\n"
                  + "FROM customers c, orders o, order_items i\n"
                  + "WHERE c.segment = 'gold' AND c.id = o.customer_id AND i.order_id = o.id\n"
                  + "  AND o.ordered_at < TIMESTAMP '2024-06-01 00:00:00'\n"
                  + "GROUP BY o.id, o.ordered_at"),
          materialized(
              "product_sales",
              "SELECT p.category, count(i.order_id) AS lines, sum(i.quantity) AS units, avg(i.quantity) AS average_units,\n"
                  + "  min(i.unit_price) AS cheapest, count(DISTINCT i.order_id) AS orders\n"
                  + "FROM products p LEFT JOIN order_items i ON i.product_id = p.id\n"
                  + "GROUP BY p.category\n"
                  + "HAVING sum(i.quantity) > 0 OR count(*) > 0"),
          materialized(
              "weekly_signups",
              "SELECT date_trunc('week', created_at) AS week, extract(hour FROM created_at) AS hour, count(*) AS customers\n"
                  + "FROM customers WHERE created_at IS NOT NULL GROUP BY 1, 2"));

  /**
   * The views a script creates, with their queries printed back in PostgreSQL's dialect (the
   * parser's canonical form, which PostgreSQL reads with the same meaning).
   */
  public static List<ViewDefinition> definitions(String script) {
    List<ViewDefinition> out = new ArrayList<>();
    for (Statement statement : Parser.parse(script)) {
      if (statement instanceof Statement.CreateView v) {
        out.add(
            new ViewDefinition(v.name().name(), v.materialized(), QueryPrinter.print(v.query())));
      }
    }
    return out;
  }

  private static ViewDefinition materialized(String name, String query) {
    return new ViewDefinition(name, true, query);
  }

  private static ViewDefinition view(String name, String query) {
    return new ViewDefinition(name, false, query);
  }

  /** The CREATE [MATERIALIZED] VIEW statements for mzflink. */
  public String script() {
    return views.stream()
        .map(
            v ->
                "CREATE "
                    + (v.materialized() ? "MATERIALIZED " : "")
                    + "VIEW "
                    + v.name()
                    + " AS\n"
                    + v.query()
                    + ";\n")
        .collect(Collectors.joining());
  }

  /** Creates the same views upstream, as plain PostgreSQL views. */
  public void createUpstreamViews(Connection upstream) throws SQLException {
    for (ViewDefinition v : views) {
      Sql.execute(upstream, "CREATE VIEW " + Quote.pgIdentifier(v.name()) + " AS\n" + v.query());
    }
  }

  public List<ViewDefinition> materializedViews() {
    return views.stream().filter(ViewDefinition::materialized).toList();
  }

  /** Waits until every results table equals PostgreSQL's answer; fails with the differences. */
  public void awaitEqual(
      Connection upstream, Connection results, java.time.Duration timeout, String when)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> differences = differences(upstream, results);
    while (!differences.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      differences = differences(upstream, results);
    }
    if (!differences.isEmpty()) {
      throw new AssertionError(
          "views differ from PostgreSQL's answers "
              + when
              + ":\n"
              + String.join("\n", differences));
    }
  }

  /** Every difference between a results table and PostgreSQL's answer; empty when all agree. */
  public List<String> differences(Connection upstream, Connection results) throws Exception {
    List<String> out = new ArrayList<>();
    for (ViewDefinition v : materializedViews()) {
      String table = Quote.pgQualified("public", v.name());
      Map<String, String> expectedColumns = columns(upstream, table);
      Map<String, String> actualColumns = columns(results, table);
      if (!sameColumns(expectedColumns, actualColumns)) {
        out.add(
            v.name()
                + ": columns differ: PostgreSQL "
                + expectedColumns
                + ", results table "
                + actualColumns);
        continue;
      }
      ByteArrayOutputStream rows = new ByteArrayOutputStream();
      upstream
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyOut("COPY (SELECT * FROM " + table + ") TO STDOUT", rows);
      Sql.execute(
          results,
          "DROP TABLE IF EXISTS pg_temp.mz_expected",
          "CREATE TEMP TABLE mz_expected (LIKE " + table + ")");
      try {
        results
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn("COPY mz_expected FROM STDIN", new ByteArrayInputStream(rows.toByteArray()));
      } catch (SQLException e) {
        out.add(
            v.name()
                + ": PostgreSQL's rows do not fit the results table's types: "
                + e.getMessage());
        continue;
      }
      List<String> missing =
          rows(results, "SELECT * FROM mz_expected EXCEPT ALL SELECT * FROM " + table);
      List<String> extra =
          rows(results, "SELECT * FROM " + table + " EXCEPT ALL SELECT * FROM mz_expected");
      if (!missing.isEmpty() || !extra.isEmpty()) {
        long expected = Sql.longValue(results, "SELECT count(*) FROM mz_expected");
        long actual = Sql.longValue(results, "SELECT count(*) FROM " + table);
        out.add(
            String.format(
                "%s: PostgreSQL has %d rows, the results table %d%n  missing from the results table (%d): %s%n  extra in the results table (%d): %s",
                v.name(),
                expected,
                actual,
                missing.size(),
                head(missing),
                extra.size(),
                head(extra)));
      }
    }
    return out;
  }

  /** Row counts of the results tables, for the report. */
  public String rowCounts(Connection results) throws SQLException {
    List<String> counts = new ArrayList<>();
    for (ViewDefinition v : materializedViews()) {
      counts.add(
          v.name()
              + " "
              + Sql.longValue(
                  results, "SELECT count(*) FROM " + Quote.pgQualified("public", v.name())));
    }
    return String.join(", ", counts);
  }

  /**
   * Column names must match; types too, except that a numeric computed by avg or division may be
   * numeric(38,s): mzflink's documented rounding.
   */
  static boolean sameColumns(Map<String, String> expected, Map<String, String> actual) {
    if (!new ArrayList<>(expected.keySet()).equals(new ArrayList<>(actual.keySet()))) {
      return false;
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String a = actual.get(e.getKey());
      if (!a.equals(e.getValue())
          && !(e.getValue().equals("numeric") && a.matches("numeric\\(38,[0-9]+\\)"))) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> columns(Connection c, String table) throws SQLException {
    Map<String, String> columns = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      s.setString(1, table);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          columns.put(r.getString(1), r.getString(2));
        }
      }
    }
    return columns;
  }

  private static List<String> rows(Connection c, String query) throws SQLException {
    return Sql.strings(c, "SELECT mz_row::text FROM (" + query + ") mz_row ORDER BY 1");
  }

  private static String head(List<String> rows) {
    return rows.size() <= 25
        ? rows.toString()
        : rows.subList(0, 25) + " ... (" + rows.size() + " in all)";
  }
}
