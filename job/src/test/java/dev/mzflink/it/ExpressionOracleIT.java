package dev.mzflink.it;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.ViewOracle;
import dev.mzflink.testing.ViewOracle.ViewDefinition;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every scalar translation against PostgreSQL on edge values: halves and negatives for rounding,
 * trailing spaces, non-ASCII text, dates around year and week boundaries, fractional seconds,
 * NULLs. Each materialized view selects a group of expressions; PostgreSQL computes the same views
 * upstream, and the results tables must equal them after the snapshot and after updates.
 */
class ExpressionOracleIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final List<ViewDefinition> VIEWS =
      List.of(
          view(
              "casts",
              "SELECT k, n::int AS a, n::bigint AS b, n::numeric(6,1) AS c, i::text AS d, b::text AS e, d::timestamp AS f,"
                  + " ts::date AS g, tz::date AS h, tz::timestamp AS i, n::float8 AS j, i::bool AS l, digits::int AS m,"
                  + " bc::text AS o, tx::varchar(3) AS p, tx::char(5) AS q, i::numeric AS r, d::timestamptz AS s,"
                  + " i2::numeric(8,2) AS t, b::int AS u, digits::numeric(8,3) AS v FROM vals"),
          view(
              "arithmetic",
              "SELECT k, i / 3 AS a, -i / 2 AS b, i % 3 AS c, -i % 4 AS d, n * n AS e, n / 3 AS f,"
                  + " n / nullif(i, 0) AS g, i2 + i2 AS h, i2 * i AS j, i8 * 2 AS l, n - n4 AS m, n4 / n AS o,"
                  + " i / 2.0 AS p, f8 * 2 AS q, (n + 0.005) * i AS r, -n AS s, 7 / 2 * 2 AS t, i + '1' AS u FROM vals"),
          view(
              "strings",
              "SELECT k, substr(tx, 0, 3) AS a, substr(tx, -1, 3) AS b, substr(tx, 2) AS c, substr(tx, i) AS d,"
                  + " substr(tx, i, 2) AS e, substring(tx from 2 for 3) AS f, length(tx) AS g, length(bc) AS h,"
                  + " lower(tx) AS i, upper(tx) AS j, tx || '|' || i AS l, 'n' || n AS m, 'b' || b AS o, 'd' || d AS p,"
                  + " bc || '|' AS q, lower(bc) AS r, coalesce(tx, 'none') AS s, nullif(tx, '') AS t, nullif(bc, 'ab') AS u,"
                  + " char_length(vc) AS v, substr(vc, 3, 0) AS w FROM vals"),
          view(
              "patterns",
              "SELECT k, tx LIKE 'a%' AS a, tx LIKE '%\\_%' AS b, tx NOT LIKE '_b%' AS c, tx LIKE '%\\%%' AS d,"
                  + " bc LIKE 'ab' AS e, bc LIKE 'ab%' AS f, tx LIKE 'x\\y' AS g, bc = 'ab' AS h, bc = 'ab   ' AS i, bc < 'b' AS j,"
                  + " tx < vc AS l, tx >= 'Z' AS m, bc IN ('ab', 'x') AS o, vc = 'ab ' AS p FROM vals"),
          view(
              "dates",
              "SELECT k, date_trunc('week', ts) AS a, date_trunc('week', d) AS b, date_trunc('week', tz) AS c,"
                  + " date_trunc('month', ts) AS e, date_trunc('quarter', d) AS f, date_trunc('year', tz) AS g,"
                  + " date_trunc('day', tz) AS h, date_trunc('hour', ts) AS i, date_trunc('minute', tz) AS j,"
                  + " date_trunc('second', ts) AS l, extract(dow FROM d) AS m, extract(isodow FROM ts) AS o,"
                  + " extract(week FROM d) AS p, extract(doy FROM tz) AS q, extract(second FROM ts) AS r,"
                  + " extract(second FROM tz) AS s, extract(quarter FROM d) AS t, extract(year FROM tz) AS u,"
                  + " extract(hour FROM ts) AS v, extract(minute FROM tz) AS w, extract(day FROM d) AS x,"
                  + " extract(month FROM ts) AS y FROM vals"),
          view(
              "predicates",
              "SELECT k, i IN (1, 2, NULL) AS a, i NOT IN (1, 2, NULL) AS b, i NOT IN (1, 2) AS c,"
                  + " n BETWEEN -1 AND 1.5 AS d, i IS DISTINCT FROM i2 AS e, tx IS NOT DISTINCT FROM vc AS f,"
                  + " b IS NOT TRUE AS g, b IS UNKNOWN AS h, NOT b OR i > 0 AS j, b AND i > 0 AS l,"
                  + " CASE WHEN i > 0 THEN 'pos' WHEN i < 0 THEN 'neg' END AS m, CASE i WHEN 0 THEN 'zero' ELSE 'other' END AS o,"
                  + " coalesce(i, i2, 0) AS p, coalesce(n, n4) AS q, ts < tz AS r, d = ts::date AS s, d < '2024-01-01' AS t,"
                  + " tz > '2023-12-31 23:30:00-01' AS u FROM vals"),
          view(
              "aggregates",
              "SELECT b, count(*) AS a, count(i) AS c, count(DISTINCT bc) AS d, sum(i) AS e, sum(i8) AS f, sum(n) AS g,"
                  + " avg(i) AS h, avg(n) AS j, min(tx) AS l, max(bc) AS m, min(d) AS o, max(tz) AS p, sum(i2) AS q,"
                  + " max(vc) AS r, min(n4) AS s, max(f8) AS t FROM vals GROUP BY b"),
          view("passthrough", "SELECT k, d, ts, tz, tx, bc, n, f8 FROM vals"),
          view(
              "global",
              "SELECT count(*) AS a, sum(i) AS b, avg(n) AS c, max(tx) AS d FROM vals WHERE i > 1000"));

  private static ViewDefinition view(String name, String query) {
    return new ViewDefinition(name, true, query);
  }

  @Test
  void everyExpressionEqualsPostgres() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("exprs");
    server.createDatabase("exprs_results");
    try (Connection upstream = server.connect("exprs");
        Connection results = server.connect("exprs_results")) {
      Sql.execute(
          upstream,
          "CREATE TABLE vals (k int PRIMARY KEY, i int, i2 smallint, i8 bigint, n numeric(10,2), n4 numeric(12,4), f8 float8,"
              + " b boolean, tx text, vc varchar(10), bc char(4), digits text, d date, ts timestamp(3), tz timestamptz)",
          "ALTER TABLE vals REPLICA IDENTITY FULL",
          "INSERT INTO vals VALUES"
              + " (1, 7, 2, 9000000000, 2.50, 1.2345, 0.5, true, 'abc', 'ab', 'ab', '42', '2024-12-29', '2024-12-29 23:59:59.999', '2024-12-31 23:30:00+00'),"
              + " (2, -7, -3, -5, -2.50, -0.0050, -1.25, false, 'a_b%c', 'a_b', 'a', ' 7 ', '2021-01-03', '2021-01-04 00:00:00.5', '2021-01-01 00:00:00.123+02'),"
              + " (3, 0, 0, 0, 0.49, 0.0001, 0, NULL, '', '', '', '-12', '2020-02-29', '2020-02-29 12:34:56.789', '1999-12-31 23:59:59.999+00'),"
              + " (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
              + " (5, 3, 5, 12345678901, -0.49, 99999999.9999, 1e-3, true, 'Zoë ÄÖÜ 🦆', 'zoë', 'Zo', '0', '1970-01-01', '1969-12-31 23:59:59.5', '1969-12-31 23:59:59.5+00'),"
              + " (6, 1, 1, 1, 1.50, 1.5000, 2.5, false, 'ab ', 'ab ', 'ab  ', '1', '2023-01-01', '2023-01-01 00:00:00', '2023-01-02 00:00:00-05'),"
              + " (7, 2, -1, 2, 3.14, -3.1416, -0.75, true, 'x\\y', 'x\\y', 'x\\y', '100', '2026-11-25', '2026-11-25 15:00:00.001', '2026-11-25 15:00:00.000001+00')",
          "CREATE PUBLICATION exprs FOR TABLE vals");
      ViewOracle oracle = new ViewOracle(VIEWS);
      oracle.createUpstreamViews(upstream);
      String script =
          "CREATE SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("exprs")
              + "' PUBLICATION 'exprs';\n"
              + "CREATE VIEWS FROM SOURCE src;\n"
              + oracle.script();
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("exprs_results"), 1)) {
        oracle.awaitEqual(upstream, results, Duration.ofSeconds(120), "after the snapshot");
        Sql.transaction(
            upstream,
            "UPDATE vals SET i = i + 1, n = n + 0.01, tx = tx || 'z', b = NOT b, ts = ts + interval '1 day' WHERE k IN (1, 2, 5)",
            "UPDATE vals SET i = NULL, bc = NULL, d = NULL WHERE k = 3",
            "DELETE FROM vals WHERE k = 6",
            "INSERT INTO vals VALUES (8, 1001, 1, 1, 0.01, 0, 0, true, 'big', 'b', 'b', '5', '2024-01-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00+00')");
        oracle.awaitEqual(upstream, results, Duration.ofSeconds(60), "after updates");
      }
    }
  }
}
