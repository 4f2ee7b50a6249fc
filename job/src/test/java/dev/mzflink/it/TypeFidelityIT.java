package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.translate.SourceReading;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;

/**
 * Every supported type arrives exactly, on both ways of reading a source: one table with a column
 * per type, rows of edge values inserted before the snapshot and after it, then updated (every
 * value moved to another row, and updates that leave TOASTed values alone) and deleted. The results
 * table has the upstream types, and equals the upstream table when compared in PostgreSQL: as row
 * text, and with EXCEPT ALL both ways on the typed values.
 *
 * <p>Two tables: {@code everything} has time columns (the snapshot is mzflink's locked snapshot or
 * Debezium's, as Flink CDC's incremental snapshot reads time to the millisecond), {@code
 * incremental} has every other type and is snapshotted incrementally by Flink CDC.
 */
class TypeFidelityIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  /** Column name, type. */
  static final String[][] COLUMNS = {
    {"b", "bool"},
    {"i2", "int2"},
    {"i4", "int4"},
    {"i8", "int8"},
    {"f4", "float4"},
    {"f8", "float8"},
    {"n", "numeric"},
    {"n102", "numeric(10,2)"},
    {"n38", "numeric(38,0)"},
    {"n50", "numeric(50,10)"},
    {"nneg", "numeric(5,-2)"},
    {"c", "char(3)"},
    {"vc", "varchar(10)"},
    {"t", "text"},
    {"bp", "bpchar"},
    {"nm", "name"},
    {"by", "bytea"},
    {"d", "date"},
    {"tm", "time"},
    {"tm3", "time(3)"},
    {"ts", "timestamp"},
    {"ts3", "timestamp(3)"},
    {"tstz", "timestamptz"},
    {"tstz0", "timestamptz(0)"},
    {"iv", "interval"},
    {"j", "json"},
    {"jb", "jsonb"},
    {"u", "uuid"},
    {"o", "oid"},
    {"ine", "inet"},
    {"ci", "cidr"},
    {"mac", "macaddr"},
    {"e", "mood"},
    {"dp", "posint"},
    {"ds", "shorttext"},
    {"ai", "int4[]"},
    {"ai8", "int8[]"},
    {"ab", "bool[]"},
    {"att", "text[]"},
    {"an", "numeric[]"},
    {"ats", "timestamptz[]"},
    {"ae", "mood[]"},
    {"af", "float8[]"},
    {"ad", "date[]"},
    {"au", "uuid[]"},
    {"aj", "jsonb[]"},
    {"adp", "posint[]"},
    {"atm", "time[]"},
    {"aiv", "interval[]"},
    {"aby", "bytea[]"},
    {"tz", "timetz"},
    {"atz", "timetz[]"},
  };

  /** Rows of edge values, one value per column of {@link #COLUMNS}, as SQL expressions. */
  static final String[][] ROWS = {
    // maxima, infinities, special values
    {
      "true",
      "32767",
      "2147483647",
      "9223372036854775807",
      "'Infinity'",
      "'Infinity'",
      "12345678901234567890123456789012345678901.123",
      "99999999.99",
      "99999999999999999999999999999999999999",
      "1234567890123456789012345678901234567890.0123456789",
      "9999900",
      "'abc'",
      "'x y'",
      "'𝄞 4-byte 😀'",
      "'é'",
      "'nm'",
      "'\\x00ff'",
      "'infinity'",
      "'24:00:00'",
      "'23:59:59.999'",
      "'infinity'",
      "'294276-12-31 23:59:59.999'",
      "'infinity'",
      "'294276-12-31 23:59:59+00'",
      "'178000000 years'",
      "'{\"b\": 1,  \"a\":2}'",
      "'{\"b\": 1,  \"a\":2, \"c\": [1.50, \"😀\"]}'",
      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
      "4294967295",
      "'192.168.1.5/24'",
      "'10.0.0.0/8'",
      "'08:00:2b:01:02:03'",
      "'happy'",
      "2147483647",
      "'short'",
      "'{1,NULL,-3,2147483647}'",
      "'{9223372036854775807,-9223372036854775808}'",
      "'{t,f,NULL}'",
      "'{\"a b\",NULL,\"\",\"q\\\"x\",\"NULL\",\"😀\",\"{}\",\"a,b\"}'",
      "'{1.50,NaN,NULL,Infinity,-Infinity,1e-20}'",
      "'{\"2024-01-01 10:00:00.000001+00\",infinity,-infinity}'",
      "'{sad,happy,NULL}'",
      "'{NaN,-0,Infinity,-Infinity,1e-300,2.2250738585072014e-308}'",
      "'{2024-02-29,-infinity,infinity,\"0001-01-01 BC\"}'",
      "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'",
      "ARRAY['{\"k\": 1}'::jsonb, 'null', '\"s\"']",
      "'{1,2}'",
      "'{24:00:00,00:00:00.000001}'",
      "'{\"1 day\",\"-1 mon\",\"00:00:00.000001\"}'",
      "'{\"\\\\x00ff\",\"\\\\x\"}'",
      "'24:00:00-15:59'",
      "'{\"24:00:00-15:59\",\"00:00:00+15:59\"}'"
    },
    // minima, negative infinities, BC
    {
      "false",
      "-32768",
      "-2147483648",
      "-9223372036854775808",
      "'-Infinity'",
      "'-Infinity'",
      "'-Infinity'",
      "-99999999.99",
      "-99999999999999999999999999999999999999",
      "-0.0000000001",
      "-9999900",
      "''",
      "''",
      "''",
      "''",
      "''",
      "'\\x'",
      "'-infinity'",
      "'00:00:00'",
      "'00:00:00'",
      "'-infinity'",
      "'4713-01-01 00:00:00.123 BC'",
      "'-infinity'",
      "'4713-01-01 00:00:00+00 BC'",
      "'-178000000 years'",
      "'null'",
      "'{}'",
      "'00000000-0000-0000-0000-000000000000'",
      "0",
      "'::1'",
      "'2001:db8::/32'",
      "'ff:ff:ff:ff:ff:ff'",
      "'sad'",
      "1",
      "''",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'{}'",
      "'00:00:00+15:59'",
      "'{}'"
    },
    // zeros, negative zero, NaN, smallest steps
    {
      "true",
      "0",
      "0",
      "0",
      "'-0'",
      "'-0'",
      "'NaN'",
      "0",
      "0",
      "'-0.000'",
      "0",
      "'a'",
      "' lead'",
      "'trail  '",
      "'  '",
      "'x'",
      "'\\x00'",
      "'4713-01-01 BC'",
      "'00:00:00.000001'",
      "'12:34:56.789'",
      "'2024-03-10 02:30:00.000001'",
      "'1970-01-01 00:00:00'",
      "'2024-01-01 10:00:00.000001+02'",
      "'1970-01-01 00:00:00+00'",
      "'1 year 2 mons -3 days 04:05:06.789'",
      "'[]'",
      "'[]'",
      "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
      "1",
      "'0.0.0.0/0'",
      "'::/0'",
      "'00:00:00:00:00:00'",
      "'ok'",
      "5",
      "'é😀'",
      "'{0}'",
      "'{0}'",
      "'{f}'",
      "'{\"\"}'",
      "'{0,-0.000}'",
      "'{\"1970-01-01 00:00:00+00\"}'",
      "'{ok}'",
      "'{-0,0}'",
      "'{1970-01-01}'",
      "'{ffffffff-ffff-ffff-ffff-ffffffffffff}'",
      "'{}'",
      "'{5}'",
      "'{00:00:00}'",
      "'{\"-00:00:00.000001\"}'",
      "'{\"\\\\x00\"}'",
      "'12:34:56.123456+05:30'",
      "'{\"00:00:00+00\",NULL}'"
    },
    // NULL everywhere
    null,
    // 1 MB of text (TOASTed), and a few ordinary values
    {
      "false",
      "1",
      "1",
      "1",
      "1.5",
      "0.1",
      "0.1",
      "0.10",
      "1",
      "1.5",
      "100",
      "'a'",
      "'b'",
      "(SELECT string_agg(md5(g::text) || '😀', '') FROM generate_series(1, 31000) g)",
      "'bp'",
      "'name'",
      "(SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea) FROM generate_series(1, 4000) g)",
      "'2024-06-30'",
      "'13:14:15.161718'",
      "'13:14:15.161'",
      "'2024-06-30 13:14:15.161718'",
      "'2024-06-30 13:14:15.161'",
      "'2024-06-30 13:14:15.161718-07:30'",
      "'2024-06-30 13:14:15+05:45'",
      "'-1 days +02:03:04'",
      "(SELECT json_agg(g)::text FROM generate_series(1, 20000) g)::json",
      "'{\"a\": \"😀\"}'",
      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'",
      "42",
      "'2001:db8::1/64'",
      "'192.168.0.0/16'",
      "'01:02:03:04:05:06'",
      "'sad'",
      "3",
      "'ten chars!'",
      "(SELECT array_agg(g) FROM generate_series(1, 20000) g)",
      "'{1}'",
      "'{t}'",
      "'{x}'",
      "'{1.1}'",
      "'{\"2024-06-30 13:14:15.161718+00\"}'",
      "'{ok,ok}'",
      "'{0.1}'",
      "'{2024-06-30}'",
      "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}'",
      "'{}'",
      "'{3}'",
      "'{13:14:15.161718}'",
      "'{\"1 year\"}'",
      "'{}'",
      "'13:14:15.161718-07:30'",
      "'{\"13:14:15+01\"}'"
    },
  };

  @ParameterizedTest
  @EnumSource(SourceReading.class)
  void everyTypeArrivesExactly(SourceReading reading) throws Exception {
    assertEveryTypeArrivesExactly(
        POSTGRES.server(), "fidelity_" + reading.name().toLowerCase(Locale.ROOT), reading);
  }

  /**
   * A server whose own settings print values differently: dates, intervals, floats and bytea, in
   * another time zone. The source pins the settings it reads text under.
   */
  @RegisterExtension
  static final PostgresServerExtension ODD_POSTGRES =
      new PostgresServerExtension(
          Map.of(
              "datestyle", "SQL,DMY",
              "intervalstyle", "iso_8601",
              "timezone", "America/New_York",
              "extra_float_digits", "0",
              "bytea_output", "escape"));

  @Test
  void everyTypeArrivesExactlyFromAServerWithOtherDateIntervalAndTimeZoneSettings()
      throws Exception {
    EmbeddedPostgresServer server = ODD_POSTGRES.server();
    try (Connection c = server.connect("postgres")) {
      // pgjdbc sets DateStyle's format and TimeZone itself; the rest are the server's.
      assertThat(Sql.strings(c, "SHOW IntervalStyle")).containsExactly("iso_8601");
      assertThat(Sql.strings(c, "SHOW bytea_output")).containsExactly("escape");
    }
    assertEveryTypeArrivesExactly(server, "fidelity_odd", SourceReading.ONE_SLOT_PER_SOURCE);
  }

  private static void assertEveryTypeArrivesExactly(
      EmbeddedPostgresServer server, String database, SourceReading reading) throws Exception {
    server.createDatabase(database);
    server.createDatabase(database + "_results");
    List<String> tables = List.of("\"public\".\"everything\"", "\"public\".\"incremental\"");
    try (Connection app = server.connect(database);
        Connection results = server.connect(database + "_results")) {
      Sql.execute(
          app,
          "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
          "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
          "CREATE DOMAIN shorttext AS varchar(10)",
          createTable("everything", false),
          createTable("incremental", true),
          "ALTER TABLE everything REPLICA IDENTITY FULL",
          "ALTER TABLE incremental REPLICA IDENTITY FULL",
          "CREATE PUBLICATION fidelity FOR TABLE everything, incremental");
      insertRows(app, 0);
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo(database), "fidelity"),
              server.jdbcUrl(database + "_results"),
              2,
              Optional.empty(),
              reading)) {
        Tables.awaitEqual(app, results, tables, CATCH_UP);
        insertRows(app, 100);
        Tables.awaitEqual(app, results, tables, CATCH_UP);
        for (String table : List.of("everything", "incremental")) {
          // Every value moves to another row; then updates that leave the TOASTed values alone.
          Sql.execute(
              app,
              rotate(table, table.equals("incremental")),
              "UPDATE " + table + " SET b = NOT b",
              "UPDATE " + table + " SET i2 = i2 WHERE id % 2 = 0");
          Sql.execute(app, "DELETE FROM " + table + " WHERE id = 103");
        }
        Tables.awaitEqual(app, results, tables, CATCH_UP);
        for (String table : List.of("everything", "incremental")) {
          assertThat(resultsTypes(results, table))
              .as("results column types of " + table)
              .isEqualTo(upstreamTypes(app, table));
          assertThat(typedDifferences(app, results, table, table.equals("incremental")))
              .as("typed differences in " + table)
              .isZero();
        }
        assertThat(Sql.longValue(results, "SELECT count(*) FROM everything"))
            .isEqualTo(2L * ROWS.length - 1);
        assertThat(
                Sql.longValue(results, "SELECT count(*) FROM everything WHERE length(t) > 1000000"))
            .isEqualTo(2);
      }
    }
  }

  private static boolean skipped(String type, boolean incremental) {
    return incremental
        && (type.equals("time")
            || type.equals("time(3)")
            || type.equals("time[]")
            || type.equals("timetz"));
  }

  static String createTable(String name, boolean incremental) {
    List<String> columns = new ArrayList<>();
    columns.add("id int PRIMARY KEY");
    for (String[] c : COLUMNS) {
      if (!skipped(c[1], incremental)) {
        columns.add(c[0] + " " + c[1]);
      }
    }
    return "CREATE TABLE " + name + " (" + String.join(", ", columns) + ")";
  }

  private static void insertRows(Connection app, int firstId) throws Exception {
    for (String table : List.of("everything", "incremental")) {
      insertRows(app, table, table.equals("incremental"), firstId);
    }
  }

  /** Inserts {@link #ROWS} into {@code table}, with ids from {@code firstId + 1}. */
  static void insertRows(Connection app, String table, boolean incremental, int firstId)
      throws Exception {
    for (int r = 0; r < ROWS.length; r++) {
      if (ROWS[r] != null && ROWS[r].length != COLUMNS.length) {
        throw new IllegalStateException(
            "row " + r + " has " + ROWS[r].length + " values for " + COLUMNS.length + " columns");
      }
      List<String> names = new ArrayList<>();
      List<String> values = new ArrayList<>();
      names.add("id");
      values.add(Integer.toString(firstId + r + 1));
      for (int i = 0; i < COLUMNS.length; i++) {
        if (skipped(COLUMNS[i][1], incremental)) {
          continue;
        }
        names.add(COLUMNS[i][0]);
        values.add(ROWS[r] == null ? "NULL" : ROWS[r][i]);
      }
      Sql.execute(
          app,
          "INSERT INTO "
              + table
              + " ("
              + String.join(", ", names)
              + ") VALUES ("
              + String.join(", ", values)
              + ")");
    }
  }

  /** Moves every row's values (all but the key) to the next row, within each batch of rows. */
  private static String rotate(String table, boolean incremental) {
    List<String> sets = new ArrayList<>();
    for (String[] c : COLUMNS) {
      if (!skipped(c[1], incremental)) {
        sets.add(c[0] + " = s." + c[0]);
      }
    }
    return "UPDATE "
        + table
        + " f SET "
        + String.join(", ", sets)
        + " FROM "
        + table
        + " s WHERE s.id = (f.id / 100) * 100 + (f.id % 100) % "
        + ROWS.length
        + " + 1";
  }

  private static List<String> upstreamTypes(Connection app, String table) throws Exception {
    // Domains are written as their base types in the results database.
    return Sql.strings(
            app,
            "SELECT a.attname || ' ' || format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,"
                + " CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = 'public."
                + table
                + "'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")
        .stream()
        .map(s -> s.replace("posint[]", "integer[]"))
        .toList();
  }

  private static List<String> resultsTypes(Connection results, String table) throws Exception {
    return Sql.strings(
        results,
        "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            + " WHERE a.attrelid = 'public."
            + table
            + "'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
  }

  /**
   * Copies the results table into a temporary table of the upstream table's types in the upstream
   * database, and counts the rows of EXCEPT ALL both ways (json, which has no equality, as text).
   */
  private static long typedDifferences(
      Connection app, Connection results, String table, boolean incremental) throws Exception {
    ByteArrayOutputStream rows = new ByteArrayOutputStream();
    results.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY " + table + " TO STDOUT", rows);
    Sql.execute(
        app,
        "DROP TABLE IF EXISTS pg_temp.copied",
        "CREATE TEMP TABLE copied (LIKE public." + table + ")");
    app.unwrap(PGConnection.class)
        .getCopyAPI()
        .copyIn("COPY pg_temp.copied FROM STDIN", new ByteArrayInputStream(rows.toByteArray()));
    List<String> columns = new ArrayList<>();
    columns.add("id");
    for (String[] c : COLUMNS) {
      if (!skipped(c[1], incremental)) {
        columns.add(c[1].equals("json") ? c[0] + "::text" : c[0]);
      }
    }
    String list = String.join(", ", columns);
    return Sql.longValue(
        app,
        "SELECT count(*) FROM ((SELECT "
            + list
            + " FROM public."
            + table
            + " EXCEPT ALL SELECT "
            + list
            + " FROM pg_temp.copied)"
            + " UNION ALL (SELECT "
            + list
            + " FROM pg_temp.copied EXCEPT ALL SELECT "
            + list
            + " FROM public."
            + table
            + ")) d");
  }
}
