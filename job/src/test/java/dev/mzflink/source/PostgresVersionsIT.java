package dev.mzflink.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresVersions;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The main path on every supported PostgreSQL version (13 to 17): a snapshot, inserts, updates and
 * deletes, an update that leaves a TOASTed value unchanged, and TRUNCATE, on a keyed table and a
 * key-less one; results equal to upstream after each step. PostgreSQL 13 cannot scan ranges of
 * pages, so its tables are read whole.
 */
class PostgresVersionsIT {
  private static final Duration CATCH_UP = Duration.ofSeconds(90);
  private static final List<String> TABLES = List.of("docs", "log");

  @ParameterizedTest(name = "PostgreSQL {0}")
  @ValueSource(ints = {13, 14, 15, 16, 17})
  void theMainPathReplicatesExactly(int version) throws Exception {
    try (EmbeddedPostgresServer server =
        EmbeddedPostgresServer.start(Map.of(), PostgresVersions.binaries(version))) {
      server.createDatabase("app");
      server.createDatabase("results");
      try (Connection app = server.connect("app");
          Connection results = server.connect("results")) {
        assertThat(Sql.longValue(app, "SELECT current_setting('server_version_num')::int / 10000"))
            .isEqualTo(version);
        String big = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 20000) g)";
        Sql.execute(
            app,
            "CREATE TABLE docs (id int PRIMARY KEY, n int, body text)",
            "CREATE TABLE log (k text, v int)",
            "ALTER TABLE log REPLICA IDENTITY FULL",
            "INSERT INTO docs SELECT g, g, " + big + " FROM generate_series(1, 20) g",
            "INSERT INTO log SELECT 'k' || (g % 10), g FROM generate_series(1, 5000) g",
            "CREATE PUBLICATION app FOR TABLE docs, log");
        try {
          try (RunningPipeline pipeline =
              Pipelines.start(
                  Pipelines.replicate(server.conninfo("app"), "app"),
                  server.jdbcUrl("results"),
                  2)) {
            Tables.awaitEqual(app, results, TABLES, CATCH_UP);
            Sql.execute(
                app,
                "UPDATE docs SET n = -n WHERE id <= 10",
                "DELETE FROM docs WHERE id = 20",
                "INSERT INTO docs VALUES (100, 100, 'small')",
                "UPDATE log SET v = -v WHERE k = 'k1'",
                "DELETE FROM log WHERE k = 'k2'",
                "INSERT INTO log VALUES ('new', 1), ('new', 1)");
            Tables.awaitEqual(app, results, TABLES, CATCH_UP);
            assertThat(Sql.longValue(results, "SELECT min(length(body)) FROM docs WHERE id < 20"))
                .as("TOASTed values an update left unchanged")
                .isEqualTo(640_000);
            Sql.execute(app, "TRUNCATE docs, log", "INSERT INTO log VALUES ('after', 1)");
            Tables.awaitEqual(app, results, TABLES, CATCH_UP);
          }
          assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
        } finally {
          Sql.strings(
              app,
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
        }
      }
    }
  }

  /**
   * A partitioned table published through its root ({@code publish_via_partition_root}, PostgreSQL
   * 13 and later): read through the root in the snapshot, its partitions' changes under the root's
   * name; from PostgreSQL 15 with a row filter, which {@code pg_publication_tables} lists only from
   * then on.
   */
  @ParameterizedTest(name = "PostgreSQL {0}")
  @ValueSource(ints = {13, 14, 15, 16})
  void aPartitionedTablePublishedThroughItsRootIsReadThroughIt(int version) throws Exception {
    try (EmbeddedPostgresServer server =
        EmbeddedPostgresServer.start(Map.of(), PostgresVersions.binaries(version))) {
      server.createDatabase("app");
      server.createDatabase("results");
      try (Connection app = server.connect("app");
          Connection results = server.connect("results")) {
        String filter = version >= 15 ? " WHERE (id % 2 = 0)" : "";
        Sql.execute(
            app,
            "CREATE TABLE m (id int, r text, v int, PRIMARY KEY (id, r)) PARTITION BY LIST (r)",
            "CREATE TABLE m_a PARTITION OF m FOR VALUES IN ('a')",
            "CREATE TABLE m_b PARTITION OF m FOR VALUES IN ('b')",
            "INSERT INTO m SELECT g, (ARRAY['a', 'b'])[g % 2 + 1], g FROM generate_series(1, 500) g",
            "CREATE PUBLICATION app FOR TABLE m"
                + filter
                + " WITH (publish_via_partition_root = true)",
            "CREATE VIEW m_out AS SELECT * FROM m" + filter);
        String script =
            "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
                + server.conninfo("app")
                + "' PUBLICATION 'app';\n"
                + "CREATE VIEWS FROM SOURCE src (\"public\".\"m\" AS m_out);\n";
        try {
          try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("results"), 2)) {
            Tables.awaitEqual(app, results, List.of("m_out"), CATCH_UP);
            Sql.execute(
                app,
                "UPDATE m SET r = 'b' WHERE r = 'a' AND id <= 100",
                "UPDATE m SET id = id + 1001 WHERE id BETWEEN 200 AND 260",
                "DELETE FROM m WHERE id % 7 = 0",
                "INSERT INTO m SELECT g, 'a', g FROM generate_series(2001, 2100) g");
            Tables.awaitEqual(app, results, List.of("m_out"), CATCH_UP);
          }
          assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
        } finally {
          Sql.strings(
              app,
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
        }
      }
    }
  }
}
