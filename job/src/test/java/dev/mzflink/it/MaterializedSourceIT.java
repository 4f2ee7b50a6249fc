package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Loop;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.translate.SourceReading;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The first slice end to end: a MATERIALIZED source over a publication with keyed and key-less
 * tables, a table in another schema and a mixed-case table, replicated into a results database and
 * compared with upstream after inserts, updates (also of keys), deletes and NULLs.
 */
class MaterializedSourceIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final List<String> TABLES =
      List.of(
          "\"public\".\"accounts\"",
          "\"public\".\"events\"",
          "\"public\".\"tags\"",
          "\"public\".\"Mixed Case\"",
          "\"other\".\"items\"",
          "\"public\".\"markers\"");

  /**
   * Both ways of reading a source: mzflink's one slot per source, and the translated per-table SQL
   * that users run in the SQL client.
   */
  @ParameterizedTest
  @EnumSource(SourceReading.class)
  void publicationTablesStayEqualUpstreamAndInResults(SourceReading reading) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    String database = "app_" + reading.name().toLowerCase(java.util.Locale.ROOT);
    server.createDatabase(database);
    server.createDatabase(database + "_results");
    try (Connection app = server.connect(database);
        Connection results = server.connect(database + "_results")) {
      Sql.execute(
          app,
          "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance numeric(12,2), opened timestamptz, born date)",
          "ALTER TABLE accounts REPLICA IDENTITY FULL",
          "CREATE TABLE events (id bigint PRIMARY KEY, kind varchar(20), payload jsonb, at timestamp(3))",
          "CREATE TABLE tags (name text, value int, weight float8)",
          "ALTER TABLE tags REPLICA IDENTITY FULL",
          "CREATE TABLE \"Mixed Case\" (\"Id\" int PRIMARY KEY, \"Value\" text, flag bool)",
          "ALTER TABLE \"Mixed Case\" REPLICA IDENTITY FULL",
          "CREATE SCHEMA other",
          "CREATE TABLE other.items (id int PRIMARY KEY, label text, data bytea)",
          "ALTER TABLE other.items REPLICA IDENTITY FULL",
          "CREATE TABLE markers (id bigint PRIMARY KEY, note text)",
          "INSERT INTO accounts SELECT g, 'account ' || g, g * 1.5, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour', date '2000-01-01' + g FROM generate_series(1, 500) g",
          "INSERT INTO events SELECT g, 'kind' || (g % 7), jsonb_build_object('n', g), '2024-02-29 23:59:59.123'::timestamp FROM generate_series(1, 300) g",
          "INSERT INTO tags VALUES ('red', 1, 0.5), ('red', 1, 0.5), ('red', 1, 0.5), ('blue', NULL, NULL), ('green', 2, 'NaN'), ('green', 2, '-Infinity')",
          "INSERT INTO \"Mixed Case\" VALUES (1, 'One', true), (2, 'Two', NULL)",
          "INSERT INTO other.items VALUES (1, 'first', '\\x00ff10'), (2, NULL, NULL)",
          "CREATE PUBLICATION mz_source FOR TABLE accounts, events, tags, \"Mixed Case\", other.items, markers");

      String script =
          "CREATE MATERIALIZED SOURCE IF NOT EXISTS mz_source FROM POSTGRES\n"
              + "  HOST '"
              + server.conninfo(database)
              + "'\n"
              + "  PUBLICATION 'mz_source';\n"
              + "CREATE SCHEMA other;\n"
              + "CREATE VIEWS FROM SOURCE mz_source;\n";
      try (RunningPipeline pipeline =
          Pipelines.start(
              script, server.jdbcUrl(database + "_results"), 1, Optional.empty(), reading)) {
        Pipelines.awaitMarker(app, results, "markers", 1, Duration.ofSeconds(120));
        assertAllEqual(app, results);

        Sql.transaction(
            app,
            "INSERT INTO accounts VALUES (1001, 'new', NULL, NULL, NULL)",
            "UPDATE accounts SET balance = balance + 0.01, name = name || '!' WHERE id % 10 = 0",
            "UPDATE accounts SET id = id + 5000 WHERE id BETWEEN 20 AND 25",
            "DELETE FROM accounts WHERE id BETWEEN 100 AND 150");
        Sql.execute(
            app,
            "UPDATE events SET kind = NULL, payload = '{\"changed\": true}' WHERE id % 3 = 0",
            "UPDATE events SET id = -id WHERE id < 10",
            "DELETE FROM events WHERE id > 250",
            "DELETE FROM tags WHERE ctid = (SELECT ctid FROM tags WHERE name = 'red' LIMIT 1)",
            "UPDATE tags SET value = 3 WHERE ctid = (SELECT ctid FROM tags WHERE name = 'red' LIMIT 1)",
            "INSERT INTO tags VALUES ('blue', NULL, NULL)",
            "UPDATE \"Mixed Case\" SET \"Value\" = 'Uno', flag = NULL WHERE \"Id\" = 1",
            "DELETE FROM \"Mixed Case\" WHERE \"Id\" = 2",
            "UPDATE other.items SET data = '\\xdeadbeef', label = 'ünïcödé 🦆' WHERE id = 2");
        Pipelines.awaitMarker(app, results, "markers", 2, Duration.ofSeconds(60));
        assertAllEqual(app, results);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM tags WHERE name = 'blue'"))
            .isEqualTo(2);
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  @Test
  void changesDuringTheSnapshotAreNeitherLostNorDoubled() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("busy");
    server.createDatabase("busy_results");
    try (Connection app = server.connect("busy");
        Connection results = server.connect("busy_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id int PRIMARY KEY, v int NOT NULL, note text)",
          "INSERT INTO big SELECT g, g, 'row ' || g FROM generate_series(1, 250000) g",
          "CREATE TABLE bag (k int, v text)",
          "ALTER TABLE bag REPLICA IDENTITY FULL",
          "INSERT INTO bag SELECT g % 50, 'x' FROM generate_series(1, 20000) g",
          "CREATE PUBLICATION busy FOR TABLE big, bag");
      AtomicLong changes = new AtomicLong();
      java.util.Random random = new java.util.Random(42);
      Loop writer =
          Loop.start(
              "writer",
              server,
              "busy",
              (c, i) -> {
                int id = 1 + random.nextInt(260000);
                Sql.transaction(
                    c,
                    "UPDATE big SET v = v + 1, note = NULL WHERE id = " + id,
                    "INSERT INTO big VALUES ("
                        + (300000 + changes.get())
                        + ", 0, 'new') ON CONFLICT DO NOTHING",
                    "DELETE FROM big WHERE id = " + (1 + random.nextInt(250000)),
                    "INSERT INTO bag VALUES (" + random.nextInt(50) + ", 'x')",
                    "DELETE FROM bag WHERE ctid = (SELECT ctid FROM bag WHERE k = "
                        + random.nextInt(50)
                        + " LIMIT 1)");
                changes.incrementAndGet();
              });
      String script =
          "CREATE MATERIALIZED SOURCE busy FROM POSTGRES HOST '"
              + server.conninfo("busy")
              + "' PUBLICATION 'busy';\n"
              + "CREATE VIEWS FROM SOURCE busy;\n";
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("busy_results"), 2)) {
        Await.until(
            "the snapshot of big",
            Duration.ofSeconds(120),
            () -> Sql.longValue(results, "SELECT count(*) FROM big") > 240000);
        Thread.sleep(2000);
        writer.stop();
        Tables.awaitEqual(
            app,
            results,
            List.of("\"public\".\"big\"", "\"public\".\"bag\""),
            Duration.ofSeconds(90));
      } finally {
        writer.stop();
      }
      assertThat(changes.get()).as("transactions written during the test").isGreaterThan(100);
    }
  }

  /**
   * On the per-table path each table has its own slot, so the marker only shows that its own table
   * caught up: the others are compared until equal, and a timeout fails with the differences.
   */
  private static void assertAllEqual(Connection app, Connection results) throws Exception {
    Tables.awaitEqual(app, results, TABLES, Duration.ofSeconds(60));
  }
}
