package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.Comparison;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.TestSsl;
import dev.mzflink.translate.SourceReading;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The documentation's two-schema example (sql-scripts/seed_two_schemas.sql, verbatim but for the
 * server's address) runs end to end against a server with SSL on: "public"."foo" and
 * "otherschema"."foo" land in results tables foo and foo2 and follow upstream changes, and every
 * replication connection of the user "host" is encrypted, as its {@code sslmode=require} asks.
 */
class DocumentationExamplesIT {
  @RegisterExtension
  static final PostgresServerExtension POSTGRES =
      new PostgresServerExtension(TestSsl.serverSettings());

  private static final Path SCRIPTS = Path.of("../sql-scripts");

  @BeforeAll
  static void createUpstream() throws Exception {
    try (Connection c = POSTGRES.server().connect("postgres")) {
      Sql.execute(
          c, Files.readString(SCRIPTS.resolve("upstream/postgres.sql"), StandardCharsets.UTF_8));
      Sql.execute(
          c,
          "INSERT INTO foo SELECT g, 'label ' || g FROM generate_series(1, 200) g",
          "INSERT INTO otherschema.foo SELECT g, 'note ' || g, '2024-03-01 12:00:00+00'::timestamptz + g * interval '1 minute'"
              + " FROM generate_series(1, 150) g");
    }
  }

  @ParameterizedTest
  @EnumSource(SourceReading.class)
  void twoTablesNamedFooReplicateUnderTwoNamesOverSsl(SourceReading reading) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    String resultsDatabase = "results_" + reading.name().toLowerCase(Locale.ROOT);
    server.createDatabase(resultsDatabase);
    String script =
        Files.readString(SCRIPTS.resolve("seed_two_schemas.sql"), StandardCharsets.UTF_8)
            .replace("host=postgres port=5432", "host=127.0.0.1 port=" + server.port());
    assertThat(script)
        .contains("sslmode=require")
        .contains("(\"public\".\"foo\" AS \"foo\", \"otherschema\".\"foo\" AS \"foo2\")");
    try (Connection upstream = server.connect("postgres");
        Connection results = server.connect(resultsDatabase);
        RunningPipeline pipeline =
            Pipelines.start(
                script, server.jdbcUrl(resultsDatabase), 1, Optional.empty(), reading)) {
      // The two runs share the upstream tables: the second starts from the first one's changes.
      awaitEqual(upstream, results, "after the snapshot");
      assertThat(Sql.longValue(results, "SELECT count(*) FROM foo2")).isPositive();

      Sql.execute(
          upstream,
          "UPDATE foo SET label = label || '!' WHERE id % 7 = 0",
          "DELETE FROM foo WHERE id > 190",
          "INSERT INTO otherschema.foo VALUES (" + (1000 + reading.ordinal()) + ", 'new', NULL)",
          "UPDATE otherschema.foo SET note = NULL WHERE id < 10",
          "DELETE FROM otherschema.foo WHERE id BETWEEN 100 AND 120");
      awaitEqual(upstream, results, "after changes");

      // Every replication connection of the script's user is encrypted, and there is one.
      String walsenders =
          "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid"
              + " WHERE a.backend_type = 'walsender' AND a.usename = 'host'";
      assertThat(Sql.longValue(upstream, walsenders + " AND s.ssl")).isPositive();
      assertThat(Sql.longValue(upstream, walsenders + " AND NOT s.ssl")).isZero();
    }
    try (Connection upstream = server.connect("postgres")) {
      Await.until(
          "the pipeline's replication slots are dropped",
          Duration.ofSeconds(30),
          () -> Sql.strings(upstream, "SELECT slot_name FROM pg_replication_slots").isEmpty());
    }
  }

  private static void awaitEqual(Connection upstream, Connection results, String when)
      throws Exception {
    String foo = "SELECT id, label FROM public.foo";
    String foo2 = "SELECT id, note, at FROM otherschema.foo";
    String foo2Results = "SELECT id, note, at FROM public.foo2";
    Await.until(
        "foo and foo2 equal upstream " + when,
        Duration.ofSeconds(120),
        () ->
            Comparison.digest(upstream, foo).equals(Comparison.digest(results, foo))
                && Comparison.digest(upstream, foo2)
                    .equals(Comparison.digest(results, foo2Results)));
    assertThat(Comparison.compare(upstream, foo, results, foo).equal()).isTrue();
    assertThat(Comparison.compare(upstream, foo2, results, foo2Results).equal()).isTrue();
  }
}
